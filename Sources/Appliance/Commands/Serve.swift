import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle
import Storage
import Web

/// `klelite serve`: migrate, then serve the shop until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the shop: API, live events, pages and background work.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        // Before any server thread starts: may re-execute this binary with the runtime's allocator variable set.
        TaskStackSlabs.apply(enabled: configuration.taskStackSlabs)
        let executor = configuration.taskExecutor.install()
        let logger = bootstrapLogging(level: configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        // One seller per data folder (memory mode), or any number of cluster instances sharing it (redis mode, a shared
        // lock): held until the process exits (the kernel lets go even after kill -9).
        let lock = try await claimDataDirectory(configuration, logger: logger)
        defer { lock.release() }
        let executorName = executor == .eventLoops ? "SwiftNIO's event loops" : "Dispatch's thread pool"
        logger.info("Swift tasks run on \(executorName)", metadata: ["TASK_EXECUTOR": "\(executor.rawValue)"])
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        let secrets = try SecretStore(dataDirectory: configuration.dataDirectory).resolve(
            configuredJWT: configuration.jwtSecret,
            configuredWebhook: configuration.paymentWebhookSecret
        )
        let shop = try Shop(
            configuration: configuration,
            database: database,
            clock: SystemClock(),
            paymentWebhookSecret: secrets.paymentWebhookSecret,
            logger: logger
        )
        let web = WebSettings(configuration, accessTokenSecret: secrets.jwtSecret) { registry.emitToString() }
        let app = try buildApplication(configuration: configuration, shop: shop, web: web, logger: logger)

        var groupConfiguration = ServiceGroupConfiguration(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()

        try database.close()
        logger.notice("KLeLite stopped cleanly")
    }

    /// Takes `DATA_DIR`'s lock, waiting up to `DATA_DIR_LOCK_WAIT_SECONDS` for a draining predecessor;
    /// when another server keeps it, prints one line naming it and exits non-zero (EX_TEMPFAIL, 75).
    private func claimDataDirectory(_ configuration: ApplianceConfiguration, logger: Logger) async throws -> DataDirectoryLock {
        do {
            return try await DataDirectoryLock.acquire(
                directory: configuration.dataDirectory,
                wait: .seconds(configuration.dataDirLockWaitSeconds),
                shared: configuration.stockBackend == .redis
            ) { holder in
                logger.notice(
                    "DATA_DIR is held by another klelite serve; waiting for it to stop",
                    metadata: ["pid": "\(holder.map(String.init) ?? "unknown")", "waitSeconds": "\(configuration.dataDirLockWaitSeconds)"]
                )
            }
        } catch let busy as DataDirectoryLock.Busy {
            FileHandle.standardError.write(Data("klelite: \(busy)\n".utf8))
            throw ExitCode(75)
        }
    }
}
