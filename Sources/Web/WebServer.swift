import Foundation
import Hummingbird
import Logging
import Storage

/// Everything the HTTP layer needs, handed in by the composition root.
public struct WebDependencies: Sendable {
    public var database: AppDatabase
    public var clock: any AppClock
    public var accounts: AccountService
    public var catalog: CatalogService
    public var jobs: JobQueue
    public var notifications: NotificationService
    public var hub: any NotificationHub
    public var flashSales: FlashSaleService
    public var carts: CartService
    public var orders: OrderService
    public var vouchers: VoucherService
    public var payments: PaymentService
    public var loyalty: LoyaltyService
    public var accessTokens: AccessTokens
    /// Counts attempts on throttled routes (in memory, or shared through Redis in cluster mode).
    public var rateLimiter: any RateLimiter
    public var settings: WebSettings
    /// Renders the Prometheus exposition for `GET /metrics`.
    public var metricsText: @Sendable () -> String
    /// In cluster mode, whether Redis answers (reported by `/readyz`); nil when the shop runs without Redis.
    public var redisReachable: (@Sendable () async -> Bool)?

    public init(
        database: AppDatabase,
        clock: any AppClock,
        accounts: AccountService,
        catalog: CatalogService,
        jobs: JobQueue,
        notifications: NotificationService,
        hub: any NotificationHub,
        flashSales: FlashSaleService,
        carts: CartService,
        orders: OrderService,
        vouchers: VoucherService,
        payments: PaymentService,
        loyalty: LoyaltyService,
        accessTokens: AccessTokens,
        rateLimiter: any RateLimiter,
        settings: WebSettings,
        metricsText: @escaping @Sendable () -> String = { "" },
        redisReachable: (@Sendable () async -> Bool)? = nil
    ) {
        self.database = database
        self.clock = clock
        self.accounts = accounts
        self.catalog = catalog
        self.jobs = jobs
        self.notifications = notifications
        self.hub = hub
        self.flashSales = flashSales
        self.carts = carts
        self.orders = orders
        self.vouchers = vouchers
        self.payments = payments
        self.loyalty = loyalty
        self.accessTokens = accessTokens
        self.rateLimiter = rateLimiter
        self.settings = settings
        self.metricsText = metricsText
        self.redisReachable = redisReachable
    }
}

/// HTTP-level settings derived from the appliance configuration.
public struct WebSettings: Sendable {
    /// Folder of the storefront's HTML, CSS, ES modules and images (used when `embeddedSite` is nil).
    public var staticDirectory: String
    /// Folder of uploaded product pictures, served under `/uploads/`.
    public var uploadsDirectory: String
    /// Path of `openapi.yaml`, served at `/api/v1/openapi.yaml` (used when `embeddedSite` is nil).
    public var openAPIPath: String
    /// The pages and the contract built into the binary; when set, served instead of the two paths above.
    public var embeddedSite: EmbeddedSite?
    /// Origins allowed to call the API from a browser on another site; empty means same-origin only.
    public var corsOrigins: [String]
    /// Whether the server terminates TLS itself (turns on HSTS and `Secure` cookies).
    public var tlsEnabled: Bool
    /// Largest request body accepted by ordinary API routes.
    public var maxBodyBytes: Int
    /// Whether each request is logged.
    public var logRequests: Bool
    /// Attempts per minute, per IP and per account, on login, register and password reset.
    public var authRatePerMinute: Int
    /// Seconds of quiet after which a live stream sends a `: ping` comment.
    public var streamHeartbeat: TimeInterval
    /// `PUBLIC_URL`: the address shoppers reach the shop at. An `https` one turns on `Secure` cookies and
    /// HSTS (TLS ends at a proxy in front), and its origin may post to sign-in and register.
    public var publicURL: String?
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client.
    public var trustedProxies: [IPNetwork]
    /// `METRICS_TOKEN`: a Bearer token that may read `/metrics`.
    public var metricsToken: String?
    /// Whether anyone may read `/metrics` (the server listens on loopback only, so "anyone" is this machine).
    public var metricsOpen: Bool
    /// New guest carts one client address may start per hour.
    public var guestCartsPerHour: Int
    /// Live streams (SSE) one client address may hold open at once.
    public var maxStreamsPerClient: Int

    public init(
        staticDirectory: String = "static",
        uploadsDirectory: String = "data/uploads",
        openAPIPath: String = "openapi.yaml",
        embeddedSite: EmbeddedSite? = nil,
        corsOrigins: [String] = [],
        tlsEnabled: Bool = false,
        maxBodyBytes: Int = BodyLimitMiddleware<AppRequestContext>.defaultLimit,
        logRequests: Bool = true,
        authRatePerMinute: Int = 10,
        streamHeartbeat: TimeInterval = 15,
        publicURL: String? = nil,
        trustedProxies: [IPNetwork] = [],
        metricsToken: String? = nil,
        metricsOpen: Bool = true,
        guestCartsPerHour: Int = 30,
        maxStreamsPerClient: Int = 16
    ) {
        self.staticDirectory = staticDirectory
        self.uploadsDirectory = uploadsDirectory
        self.openAPIPath = openAPIPath
        self.embeddedSite = embeddedSite
        self.corsOrigins = corsOrigins
        self.tlsEnabled = tlsEnabled
        self.maxBodyBytes = maxBodyBytes
        self.logRequests = logRequests
        self.authRatePerMinute = authRatePerMinute
        self.streamHeartbeat = streamHeartbeat
        self.maxStreamsPerClient = maxStreamsPerClient
        self.publicURL = publicURL
        self.trustedProxies = trustedProxies
        self.metricsToken = metricsToken
        self.metricsOpen = metricsOpen
        self.guestCartsPerHour = guestCartsPerHour
    }

    /// `Secure` cookies and HSTS: when the server speaks TLS itself, or shoppers reach it over https.
    public var secureTransport: Bool {
        tlsEnabled || publicURL?.lowercased().hasPrefix("https://") == true
    }

    /// The origins that are the shop's own: `PUBLIC_URL`'s and `CORS_ORIGINS`.
    var ownOrigins: Set<String> {
        var origins = Set(corsOrigins.map { $0.lowercased() })
        if let publicURL, let origin = Self.origin(of: publicURL) { origins.insert(origin) }
        return origins
    }

    /// `scheme://host[:port]` of a URL, lowercased; nil when it has no scheme or host.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host, !host.isEmpty
        else { return nil }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)".lowercased()
    }
}

/// Builds the shop's router: middleware in order from the outside in, then every route collection,
/// then static files last (they answer only what no route did).
public func buildRouter(_ dependencies: WebDependencies, logger: Logger) -> Router<AppRequestContext> {
    let settings = dependencies.settings
    let staticCacheControl = CacheControl([
        (.textHtml, [.noCache]),
        (.textCss, [.public, .maxAge(3600)]),
        (.textJavascript, [.public, .maxAge(3600)]),
        (.imageSvg, [.public, .maxAge(86400)]),
        (.imagePng, [.public, .maxAge(86400)]),
        (.imageJpeg, [.public, .maxAge(86400)]),
        (.imageWebp, [.public, .maxAge(86400)]),
    ])
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        ClientAddressMiddleware(trustedProxies: settings.trustedProxies)
        SecurityHeadersMiddleware(strictTransportSecurity: settings.secureTransport)
        if settings.logRequests {
            LogRequestsMiddleware(.info)
        }
        MetricsMiddleware()
        if !settings.corsOrigins.isEmpty {
            AllowedOriginsMiddleware(origins: settings.corsOrigins)
        }
        ErrorMiddleware()
        BodyLimitMiddleware(limit: settings.maxBodyBytes)
        CSRFMiddleware()
        // The built-in pages, or (development) a folder on disk.
        if let site = settings.embeddedSite {
            FileMiddleware(fileProvider: EmbeddedFileProvider(site: site), cacheControl: staticCacheControl, searchForIndexHtml: true)
        }
        if settings.embeddedSite == nil {
            FileMiddleware(settings.staticDirectory, cacheControl: staticCacheControl, searchForIndexHtml: true, logger: logger)
        }
        // Uploaded pictures are named by the hash of their bytes, so they never change: cache for a year.
        FileMiddleware(
            settings.uploadsDirectory,
            urlBasePath: "/uploads",
            cacheControl: .init([(MediaType(type: .image), [.public, .maxAge(31_536_000)])]),
            logger: logger
        )
    }
    let authentication = AuthenticationMiddleware<AppRequestContext>(accounts: dependencies.accounts, tokens: dependencies.accessTokens)
    let openAPIPath = settings.openAPIPath
    let embeddedSpec = settings.embeddedSite?.openAPI
    OpsController<AppRequestContext>(
        database: dependencies.database,
        metricsText: dependencies.metricsText,
        redisReachable: dependencies.redisReachable,
        openAPI: { embeddedSpec ?? FileManager.default.contents(atPath: openAPIPath).map { ByteBuffer(bytes: $0) } },
        metricsAccess: MetricsAccess(open: settings.metricsOpen, token: settings.metricsToken, authentication: authentication)
    ).addRoutes(to: router)

    let api = router.group("api/v1").add(middleware: authentication)
    AuthController(
        accounts: dependencies.accounts,
        carts: dependencies.carts,
        tokens: dependencies.accessTokens,
        hub: dependencies.hub,
        cookies: SessionCookies(secure: settings.secureTransport),
        throttle: AuthThrottle(limiter: dependencies.rateLimiter, perMinute: settings.authRatePerMinute),
        ownOrigins: settings.ownOrigins
    ).addRoutes(to: api.group("auth"))
    AdminUsersController(accounts: dependencies.accounts, hub: dependencies.hub)
        .addRoutes(to: api.group("admin/users").add(middleware: RequireRoleMiddleware(.admin)))
    AdminJobsController(jobs: dependencies.jobs)
        .addRoutes(to: api.group("admin/jobs").add(middleware: RequireRoleMiddleware(.admin)))
    AdminStatsController(stats: AdminStatsService(database: dependencies.database, clock: dependencies.clock, flashSales: dependencies.flashSales))
        .addRoutes(to: api.group("admin/stats").add(middleware: RequireRoleMiddleware(.admin)))
    CatalogController(catalog: dependencies.catalog, cache: CatalogResponseCache()).addRoutes(to: api)
    let admin = api.group().add(middleware: RequireRoleMiddleware(.admin))
    AdminCatalogController(catalog: dependencies.catalog).addRoutes(to: admin)
    let signedIn = api.group().add(middleware: RequireRoleMiddleware())
    let stream = EventStreamResponder(
        clock: dependencies.clock,
        heartbeat: settings.streamHeartbeat,
        slots: StreamSlots(limit: settings.maxStreamsPerClient)
    )
    NotificationsController(notifications: dependencies.notifications, hub: dependencies.hub, jobs: dependencies.jobs, stream: stream)
        .addRoutes(to: signedIn, admin: admin)
    let sales = dependencies.flashSales
    let stockEvents = SaleStockBroadcaster(signals: sales.stockChanges, eventsPerSecond: 10) { try await sales.sale(idOrSlug: $0) }
    FlashSalesController(sales: sales, stream: stream, stockEvents: stockEvents)
        .addRoutes(to: api, signedIn: signedIn, admin: admin)
    CartController(
        carts: dependencies.carts,
        secureCookies: settings.secureTransport,
        limiter: dependencies.rateLimiter,
        guestCartsPerHour: settings.guestCartsPerHour
    ).addRoutes(to: api)
    OrdersController(orders: dependencies.orders).addRoutes(to: signedIn, admin: admin)
    VouchersController(vouchers: dependencies.vouchers, carts: dependencies.carts).addRoutes(to: signedIn, admin: admin)
    PaymentsController(payments: dependencies.payments).addRoutes(to: api, signedIn: signedIn)
    LoyaltyController(loyalty: dependencies.loyalty).addRoutes(to: signedIn, admin: admin)
    return router
}
