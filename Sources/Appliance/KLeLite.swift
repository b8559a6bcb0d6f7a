import ArgumentParser
import Foundation
import Logging

/// The `klelite` command: the shop's server and its operator tools.
@main
struct KLeLite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klelite",
        abstract: "KLeLite — a complete bakery shop in one process.",
        subcommands: [Serve.self, Migrate.self, CreateAdmin.self, SeedDemo.self, Backup.self, BenchReferenceServer.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand takes: where configuration comes from, and the common overrides.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Configuration file of KEY=VALUE lines (default: ./appliance.conf if present).")
    var configFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set HTTP_PORT=9090 (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    @Option(help: "Address to listen on (HTTP_HOST).")
    var host: String?

    @Option(help: "Port to listen on (HTTP_PORT).")
    var port: String?

    @Option(name: .customLong("data-dir"), help: "Folder for the database, secrets, outbox and uploads (DATA_DIR).")
    var dataDir: String?

    /// Resolves the configuration, or prints the one-line reason and exits with EX_CONFIG (78).
    func resolveConfiguration() throws -> ApplianceConfiguration {
        do {
            var flags: [String: String] = [:]
            for override in overrides {
                let parts = override.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ConfigurationError(message: "--set \(override): expected KEY=VALUE.")
                }
                flags[String(parts[0])] = String(parts[1])
            }
            if let host { flags[ConfigurationKey.httpHost.name] = host }
            if let port { flags[ConfigurationKey.httpPort.name] = port }
            if let dataDir { flags[ConfigurationKey.dataDir.name] = dataDir }
            let file = try ConfigurationFile.load(path: configFile ?? "appliance.conf", required: configFile != nil)
            return try ApplianceConfiguration.resolve(
                flags: flags,
                environment: ProcessInfo.processInfo.environment,
                file: file
            )
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("klelite: configuration error: \(error.message)\n".utf8))
            throw ExitCode(78)
        }
    }
}

/// Sets up process-wide logging once, at the configured level, on standard error.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "klelite")
    logger.logLevel = level
    return logger
}
