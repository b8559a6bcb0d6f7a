import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SiteFiles
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

/// The shop's long-lived parts, wired once from the configuration. The server and the CLI commands
/// build the same graph; tests build it over an in-memory database and a manual clock.
struct ShopServices: Sendable {
    let jobs: JobQueue
    let accounts: AccountService
    let catalog: CatalogService
    let hub: any NotificationHub
    let notifications: NotificationService
    let flashSales: FlashSaleService
    /// Carries sales created or changed by other processes (the CLI beside a live server) into the ledger.
    let externalSales: ExternalSaleSync
    let carts: CartService
    let orders: OrderService
    let vouchers: VoucherService
    let payments: PaymentService
    let loyalty: LoyaltyService
    let workers: JobWorkers
    /// Memory or Redis: the ledger, the limiters and the hub (``ShopBackends``).
    let backends: ShopBackends
    /// Cluster mode: keeps Redis' ledger loaded from SQLite and repairs its drift.
    let reconciler: StockReconciler?

    init(configuration: ApplianceConfiguration, environment: AppEnvironment, logger: Logger) {
        let database = environment.database
        let clock = environment.clock
        let backends = ShopBackends.make(configuration, clock: clock, logger: logger)
        self.backends = backends
        jobs = JobQueue(database: database, clock: clock)
        accounts = AccountService(
            database: database,
            hasher: BcryptPasswordHasher(cost: configuration.bcryptCost),
            jobs: jobs,
            clock: clock,
            settings: AccountSettings(publicBaseURL: configuration.publicBaseURL),
            logger: logger
        )
        catalog = CatalogService(database: database, clock: clock, images: ProductImageStore(directory: configuration.uploadsDirectory))
        let loyalty = LoyaltyService(database: database, clock: clock)
        self.loyalty = loyalty
        flashSales = FlashSaleService(
            database: database,
            clock: clock,
            ledger: backends.ledger,
            rateLimiter: backends.rateLimiter,
            settings: .init(reservationTTL: TimeInterval(configuration.reservationTTLSeconds), reservePerMinute: configuration.reserveRatePerMinute),
            jobs: jobs,
            tierOf: { try await loyalty.tier(userID: $0).rawValue }
        )
        externalSales = ExternalSaleSync(sales: flashSales)
        reconciler = backends.attach(flashSales, clock: clock, reconcileInterval: configuration.reconcileIntervalSeconds, logger: logger)
        hub = backends.hub
        notifications = NotificationService(database: database, hub: hub, clock: clock)
        carts = CartService(database: database, clock: clock)
        vouchers = VoucherService(database: database, clock: clock)
        let provider: (any PaymentProvider)? =
            switch configuration.paymentProvider {
            case .cashOnly: nil
            case .simulated: SimulatedPaymentProvider(publicBaseURL: configuration.publicBaseURL)
            }
        orders = OrderService(
            database: database,
            clock: clock,
            jobs: jobs,
            notifications: notifications,
            flashSales: flashSales,
            pricing: Pricing(freeShippingThreshold: configuration.freeShippingThreshold, shippingFee: configuration.shippingFee),
            publicBaseURL: configuration.publicBaseURL,
            paymentMethods: provider == nil ? [.cod] : Set(PaymentMethod.allCases)
        )
        payments = PaymentService(
            database: database,
            clock: clock,
            orders: orders,
            webhookSecret: environment.secrets.paymentWebhookSecret,
            provider: provider
        )
        let mailer = environment.mailer ?? Self.makeMailer(configuration, clock: clock, logger: logger)
        workers = JobWorkers(
            queue: jobs,
            handlers: [
                EmailJobHandler(database: database, mailer: mailer, clock: clock),
                BroadcastJobHandler(database: database, notifications: notifications),
                UnpaidOrderJobHandler(payments: payments),
                PointsExpiryJobHandler(loyalty: loyalty, jobs: jobs),
                PruningJobHandler(database: database, clock: clock, jobs: jobs),
            ],
            queues: [
                .init(name: EmailJob.queue, concurrency: 2), .init(name: BroadcastJob.queue, concurrency: 1),
                .init(name: PruningJob.queue, concurrency: 1),
            ],
            logger: logger
        )
    }

    /// `MAIL_TRANSPORT=file` writes `.eml` files into `DATA_DIR/outbox`; `smtp` talks to `SMTP_HOST`.
    static func makeMailer(_ configuration: ApplianceConfiguration, clock: any AppClock, logger: Logger) -> any Mailer {
        switch configuration.mailTransport {
        case .file:
            FileMailer(
                directory: (configuration.dataDirectory as NSString).appendingPathComponent("outbox"),
                from: configuration.mailFrom,
                clock: clock
            )
        case .smtp:
            SMTPMailer(
                settings: SMTPMailer.Settings(
                    host: configuration.smtpHost,
                    port: configuration.smtpPort,
                    security: configuration.smtpStartTLS ? .startTLS : .plain,
                    username: configuration.smtpUser,
                    password: configuration.smtpPassword,
                    from: configuration.mailFrom,
                    trustedCAFile: configuration.smtpCAFile
                ),
                clock: clock,
                logger: logger
            )
        }
    }
}

/// Builds the whole shop from its configuration: the services, the router, and the HTTP server.
/// Tests call this with an in-memory database and a manual clock.
func buildApplication(
    configuration: ApplianceConfiguration,
    environment: AppEnvironment,
    logger: Logger
) async throws -> Application<RouterResponder<AppRequestContext>> {
    // The pages and the contract are built into the binary; STATIC_DIR serves a folder instead (development).
    let staticDirectory = configuration.staticDirectory
    let webSettings = WebSettings(
        staticDirectory: staticDirectory ?? "static",
        uploadsDirectory: configuration.uploadsDirectory,
        openAPIPath: staticDirectory.map { (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("openapi.yaml") }
            ?? "openapi.yaml",
        embeddedSite: staticDirectory == nil ? EmbeddedSite(files: SiteFiles.pages, openAPI: SiteFiles.openAPI) : nil,
        corsOrigins: configuration.corsOrigins,
        tlsEnabled: configuration.tlsEnabled,
        maxBodyBytes: configuration.maxBodyBytes,
        logRequests: configuration.logLevel <= .info,
        authRatePerMinute: configuration.authRatePerMinute,
        publicURL: configuration.publicURL,
        trustedProxies: configuration.trustedProxies,
        metricsToken: configuration.metricsToken,
        metricsOpen: configuration.listensOnLoopbackOnly,
        guestCartsPerHour: configuration.guestCartsPerHour,
        maxStreamsPerClient: configuration.streamsPerClient
    )
    let services = ShopServices(configuration: configuration, environment: environment, logger: logger)
    // The flash-sale ledger is rebuilt from the committed reservations before any request is served.
    try await services.backends.prepareLedger(services.flashSales, reconciler: services.reconciler, logger: logger)
    try await PointsExpiryJobHandler.schedule(services.jobs, after: environment.clock.now())
    try await PruningJobHandler.schedule(services.jobs, after: environment.clock.now())
    let router = buildRouter(
        WebDependencies(
            database: environment.database,
            clock: environment.clock,
            accounts: services.accounts,
            catalog: services.catalog,
            jobs: services.jobs,
            notifications: services.notifications,
            hub: services.hub,
            flashSales: services.flashSales,
            carts: services.carts,
            orders: services.orders,
            vouchers: services.vouchers,
            payments: services.payments,
            loyalty: services.loyalty,
            accessTokens: AccessTokens(secret: environment.secrets.jwtSecret, clock: environment.clock),
            rateLimiter: services.backends.rateLimiter,
            settings: webSettings,
            metricsText: environment.metricsText,
            redisReachable: services.backends.redisReachable
        ),
        logger: logger
    )
    let scheme = configuration.tlsEnabled ? "https" : "http"
    var app = Application(
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
    let externalChanges = ExternalChangeWatcher(database: environment.database, clock: environment.clock, logger: logger) {
        [externalSales = services.externalSales] in try await externalSales.absorb()
    }
    app.addServices(services.workers, FlashSaleClock(sales: services.flashSales, logger: logger), externalChanges)
    if let cluster = services.backends.cluster, let reconciler = services.reconciler {
        app.addServices(cluster.bus, reconciler)
    }
    return app
}

/// Plain HTTP/1.1, or HTTP/1.1 over TLS when a certificate and key are configured. A connection idle between
/// requests for `HTTP_IDLE_TIMEOUT_SECONDS` is closed, so idle keep-alive sockets cannot pile up (an open live
/// stream is a request in progress and is not cut).
private func httpServer(_ configuration: ApplianceConfiguration) throws -> HTTPServerBuilder {
    let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds)))
    guard let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath else {
        return .http1(configuration: http1)
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
    return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
}
