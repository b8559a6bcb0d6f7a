import Foundation
import Hummingbird
import Logging
import Storage

/// What the application serves: the shop's router, each live stream's route walked in a child task of its own
/// (``StreamRouteWalk``). `serve` and the tests build the application around this.
public func buildResponder(_ shop: Shop, settings: WebSettings, logger: Logger) -> StreamRouteWalk {
    StreamRouteWalk(buildRouter(shop, settings: settings, logger: logger))
}

/// Builds the shop's router: middleware in order from the outside in, then every route collection,
/// then static files last (they answer only what no route did).
public func buildRouter(_ shop: Shop, settings: WebSettings, logger: Logger) -> Router<AppRequestContext> {
    let staticCacheControl = CacheControl([
        (.textHtml, [.noCache]),
        (.textCss, [.public, .maxAge(3600)]),
        (.textJavascript, [.public, .maxAge(3600)]),
        (.imageSvg, [.public, .maxAge(86400)]),
        (.imagePng, [.public, .maxAge(86400)]),
        (.imageJpeg, [.public, .maxAge(86400)]),
        (.imageWebp, [.public, .maxAge(86400)]),
    ])
    // Uploaded pictures are named by the hash of their bytes, so they never change: cache for a year.
    let uploads = FileMiddleware<AppRequestContext, LocalFileSystem>(
        settings.uploadsDirectory,
        urlBasePath: "/uploads",
        cacheControl: .init([(MediaType(type: .image), [.public, .maxAge(31_536_000)])]),
        logger: logger
    )
    // The built-in pages, or (development) a folder on disk.
    let staticFiles: RequestGateMiddleware.StaticFiles =
        if let site = settings.embeddedSite {
            RequestGateMiddleware.staticFiles(
                FileMiddleware(fileProvider: EmbeddedFileProvider(site: site), cacheControl: staticCacheControl, searchForIndexHtml: true),
                uploads
            )
        } else {
            RequestGateMiddleware.staticFiles(
                FileMiddleware(settings.staticDirectory, cacheControl: staticCacheControl, searchForIndexHtml: true, logger: logger),
                uploads
            )
        }
    let router = Router(context: AppRequestContext.self)
    // From the outside in: client address and metrics, request logs, CORS, then errors, body limit, CSRF and static files
    // (the gate); security headers and the request id on the way out. All in one layer (see RequestEdgeMiddleware).
    router.add(
        middleware: RequestEdgeMiddleware(
            clientAddress: ClientAddressMiddleware(trustedProxies: settings.trustedProxies),
            securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: settings.secureTransport),
            logRequests: settings.logRequests ? LogRequestsMiddleware(.debug) : nil,
            allowedOrigins: settings.corsOrigins.isEmpty ? nil : AllowedOriginsMiddleware(origins: settings.corsOrigins),
            gate: RequestGateMiddleware(bodyLimit: BodyLimitMiddleware(limit: settings.maxBodyBytes), staticFiles: staticFiles)
        )
    )
    let accessTokens = AccessTokens(secret: settings.accessTokenSecret, clock: shop.clock)
    let authentication = AuthenticationMiddleware<AppRequestContext>(accounts: shop.accounts, tokens: accessTokens)
    let openAPIPath = settings.openAPIPath
    let embeddedSpec = settings.embeddedSite?.openAPI
    let ops = OpsController<AppRequestContext>(
        database: shop.database,
        metricsText: settings.metricsText,
        redisReachable: shop.redisReachable,
        openAPI: { embeddedSpec ?? FileManager.default.contents(atPath: openAPIPath).map { ByteBuffer(bytes: $0) } },
        metricsAccess: MetricsAccess(open: settings.metricsOpen, token: settings.metricsToken, authentication: authentication)
    )
    ops.addHealthRoutes(to: router.group("healthz"))
    ops.addReadinessRoutes(to: router.group("readyz"))
    ops.addMetricsRoutes(to: router.group("metrics"))
    ops.addContractRoutes(to: router.group("api/v1/openapi.yaml"))

    // The site map: every path prefix of the API, by audience. Anyone (`api`), signed in (`signedIn`), admin (`admin`).
    // Authentication and the role check are one layer per request (`requiring`), not one each.
    let api = router.group("api/v1").add(middleware: authentication)
    let signedIn = router.group("api/v1").add(middleware: authentication.requiring())
    let admin = router.group("api/v1").add(middleware: authentication.requiring(.admin))
    let stream = EventStreamResponder(clock: shop.clock, heartbeat: settings.streamHeartbeat, slots: StreamSlots(limit: settings.maxStreamsPerClient))

    let auth = AuthController<AppRequestContext>(
        accounts: shop.accounts,
        carts: shop.carts,
        tokens: accessTokens,
        hub: shop.hub,
        cookies: SessionCookies(secure: settings.secureTransport),
        throttle: AuthThrottle(limiter: shop.rateLimiter, perMinute: settings.authRatePerMinute),
        ownOrigins: settings.ownOrigins
    )
    auth.addPublicRoutes(to: api.group("auth"))
    auth.addSignedInRoutes(to: signedIn.group("auth"))

    let catalog = CatalogController<AppRequestContext>(catalog: shop.catalog, cache: CatalogResponseCache())
    let catalogAdmin = AdminCatalogController<AppRequestContext>(catalog: shop.catalog)
    catalog.addPublicCategoryRoutes(to: api.group("categories"))
    catalogAdmin.addCategoryRoutes(to: admin.group("categories"))
    catalog.addPublicProductRoutes(to: api.group("products"))
    catalog.addSignedInProductRoutes(to: signedIn.group("products"))
    catalogAdmin.addProductRoutes(to: admin.group("products"))
    catalog.addSignedInReviewRoutes(to: signedIn.group("reviews"))

    CartController(
        carts: shop.carts,
        secureCookies: settings.secureTransport,
        limiter: shop.rateLimiter,
        guestCartsPerHour: settings.guestCartsPerHour
    )
    .addRoutes(to: api.group("cart"))

    let orders = OrdersController<AppRequestContext>(orders: shop.orders)
    orders.addSignedInRoutes(to: signedIn.group("orders"))
    orders.addAdminRoutes(to: admin.group("admin/orders"))

    let vouchers = VouchersController<AppRequestContext>(vouchers: shop.vouchers, carts: shop.carts)
    vouchers.addSignedInRoutes(to: signedIn.group("vouchers"))
    vouchers.addAdminRoutes(to: admin.group("admin/vouchers"))

    let payments = PaymentsController<AppRequestContext>(payments: shop.payments)
    payments.addPublicRoutes(to: api.group("payments"))
    payments.addSignedInRoutes(to: signedIn.group("payments"))

    let loyalty = LoyaltyController<AppRequestContext>(loyalty: shop.loyalty)
    loyalty.addSignedInRoutes(to: signedIn.group("loyalty"))
    loyalty.addAdminRoutes(to: admin.group("admin/loyalty"))

    let sales = shop.flashSales
    let stockEvents = SaleStockBroadcaster(signals: sales.stockChanges, eventsPerSecond: 10) { try await sales.sale(idOrSlug: $0) }
    let flashSales = FlashSalesController<AppRequestContext>(sales: sales, stream: stream, stockEvents: stockEvents)
    flashSales.addPublicRoutes(to: api.group("flash-sales"))
    flashSales.addSignedInRoutes(to: signedIn.group("flash-sales"))
    flashSales.addAdminReservationRoutes(to: admin.group("flash-sales"))
    flashSales.addAdminRoutes(to: admin.group("admin/flash-sales"))

    let notifications = NotificationsController<AppRequestContext>(notifications: shop.notifications, hub: shop.hub, jobs: shop.jobs, stream: stream)
    notifications.addSignedInRoutes(to: signedIn.group("notifications"))
    notifications.addAdminRoutes(to: admin.group("admin/notifications"))

    AdminUsersController(accounts: shop.accounts, hub: shop.hub).addRoutes(to: admin.group("admin/users"))
    AdminJobsController(jobs: shop.jobs).addRoutes(to: admin.group("admin/jobs"))
    AdminStatsController(stats: shop.stats, accounts: shop.accounts, hub: shop.hub, stream: stream).addRoutes(to: admin.group("admin/stats"))
    return router
}
