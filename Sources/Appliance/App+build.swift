import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import Storage
import Web

/// What the composition root builds once and every part shares.
struct AppEnvironment: Sendable {
    var database: AppDatabase
    var clock: any AppClock
    var secrets: Secrets
    var metricsText: @Sendable () -> String = { "" }
    /// The mail transport; nil builds the configured one (the file outbox in `DATA_DIR/outbox`).
    var mailer: (any Mailer)? = nil
}

/// The account service every entry point (server and CLI) builds the same way.
func makeAccountService(configuration: ApplianceConfiguration, environment: AppEnvironment, logger: Logger) -> AccountService {
    let mailer =
        environment.mailer
        ?? FileMailer(
            directory: (configuration.dataDirectory as NSString).appendingPathComponent("outbox"),
            from: configuration.mailFrom,
            clock: environment.clock
        )
    return AccountService(
        database: environment.database,
        hasher: BcryptPasswordHasher(cost: configuration.bcryptCost),
        mailer: mailer,
        clock: environment.clock,
        settings: AccountSettings(publicBaseURL: configuration.publicBaseURL),
        logger: logger
    )
}

/// Builds the whole shop from its configuration: the services, the router, and the HTTP server.
/// Tests call this with an in-memory database and a manual clock.
func buildApplication(
    configuration: ApplianceConfiguration,
    environment: AppEnvironment,
    logger: Logger
) throws -> some ApplicationProtocol {
    let webSettings = WebSettings(
        staticDirectory: configuration.staticDirectory,
        uploadsDirectory: configuration.uploadsDirectory,
        openAPIPath: ((configuration.staticDirectory as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("openapi.yaml"),
        corsOrigins: configuration.corsOrigins,
        tlsEnabled: configuration.tlsEnabled,
        maxBodyBytes: configuration.maxBodyBytes,
        logRequests: configuration.logLevel <= .info,
        authRatePerMinute: configuration.authRatePerMinute
    )
    let router = buildRouter(
        WebDependencies(
            database: environment.database,
            clock: environment.clock,
            accounts: makeAccountService(configuration: configuration, environment: environment, logger: logger),
            catalog: CatalogService(
                database: environment.database,
                clock: environment.clock,
                images: ProductImageStore(directory: configuration.uploadsDirectory)
            ),
            accessTokens: AccessTokens(secret: environment.secrets.jwtSecret, clock: environment.clock),
            rateLimiter: InMemoryRateLimiter(clock: environment.clock),
            settings: webSettings,
            metricsText: environment.metricsText
        ),
        logger: logger
    )
    let scheme = configuration.tlsEnabled ? "https" : "http"
    return Application(
        router: router,
        server: try httpServer(configuration),
        configuration: .init(
            address: .hostname(configuration.httpHost, port: configuration.httpPort),
            serverName: "klelite"
        ),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.httpPort
            logger.notice("KLeLite is serving on \(scheme)://\(configuration.httpHost):\(port)")
        },
        logger: logger
    )
}

/// Plain HTTP/1.1, or HTTP/1.1 over TLS when a certificate and key are configured.
private func httpServer(_ configuration: ApplianceConfiguration) throws -> HTTPServerBuilder {
    guard let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath else {
        return .http1()
    }
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
    } catch {
        throw ConfigurationError.invalid(.tlsCert, value: certificatePath, source: "configuration", expected: "a readable PEM certificate file")
    }
    do {
        key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
    } catch {
        throw ConfigurationError.invalid(.tlsKey, value: keyPath, source: "configuration", expected: "a readable PEM private key file")
    }
    let tls = TLSConfiguration.makeServerConfiguration(
        certificateChain: chain.map { .certificate($0) },
        privateKey: .privateKey(key)
    )
    return try .tls(.http1(), tlsConfiguration: tls)
}
