import ArgumentParser
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle
import Storage

/// `klelite serve`: migrate, then serve the shop until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the shop: API, live events, pages and background work.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let logger = bootstrapLogging(level: configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        let secrets = try SecretStore(dataDirectory: configuration.dataDirectory).resolve(
            configuredJWT: configuration.jwtSecret,
            configuredWebhook: configuration.paymentWebhookSecret
        )
        let environment = AppEnvironment(
            database: database,
            clock: SystemClock(),
            secrets: secrets,
            metricsText: { registry.emitToString() }
        )
        let app = try await buildApplication(configuration: configuration, environment: environment, logger: logger)

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
}
