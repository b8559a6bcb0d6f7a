import Foundation
import Logging
import ServiceLifecycle

/// The shop's services, wired once. `klelite serve`, the CLI commands that need the whole shop and every test
/// build this one graph; what differs between them is only the ``ShopSettings`` and the ``ShopParts``.
public struct Shop: Sendable {
    public let database: AppDatabase
    public let clock: any AppClock
    /// Counts attempts on throttled actions (shared with the web layer's sign-in and guest-cart limits).
    public let rateLimiter: any RateLimiter
    public let hub: any NotificationHub
    public let jobs: JobQueue
    public let accounts: AccountService
    public let catalog: CatalogService
    public let notifications: NotificationService
    public let loyalty: LoyaltyService
    public let flashSales: FlashSaleService
    /// Carries sales created or changed by other processes (the CLI beside a live server) into the ledger.
    public let externalSales: ExternalSaleSync
    public let carts: CartService
    public let vouchers: VoucherService
    public let orders: OrderService
    public let payments: PaymentService
    public let stats: AdminStatsService
    /// The job queue's workers: `email`, `notifications` (broadcast fan-out) and `maintenance`.
    public let workers: JobWorkers
    /// Cluster mode: the Redis parts, and the reconciler that keeps Redis' ledger loaded from SQLite and repairs drift.
    private let cluster: (parts: ClusterParts, reconciler: StockReconciler)?
    private let logger: Logger

    public init(settings: ShopSettings, parts: ShopParts, logger: Logger = Logger(label: "klelite")) {
        let database = parts.database
        let clock = parts.clock
        self.database = database
        self.clock = clock
        self.logger = logger
        rateLimiter = parts.rateLimiter
        hub = parts.hub
        let jobs = JobQueue(database: database, clock: clock)
        self.jobs = jobs
        accounts = Self.makeAccounts(
            database: database,
            clock: clock,
            jobs: jobs,
            bcryptCost: settings.bcryptCost,
            publicBaseURL: settings.publicBaseURL,
            logger: logger
        )
        catalog = CatalogService(database: database, clock: clock, images: ProductImageStore(directory: settings.uploadsDirectory))
        notifications = NotificationService(database: database, hub: parts.hub, clock: clock)
        let loyalty = LoyaltyService(database: database, clock: clock)
        self.loyalty = loyalty
        flashSales = FlashSaleService(
            database: database,
            clock: clock,
            ledger: parts.ledger,
            rateLimiter: parts.rateLimiter,
            settings: settings.flashSales,
            jobs: jobs,
            tierOf: { try await loyalty.tier(userID: $0).rawValue }
        )
        externalSales = ExternalSaleSync(sales: flashSales)
        if let redisParts = parts.cluster {
            redisParts.connect(database)  // other instances write the same file and say what they changed
            redisParts.connect(flashSales.stockChanges)
            let reconciler = StockReconciler(
                sales: flashSales,
                ledger: redisParts.ledger,
                clock: clock,
                interval: redisParts.reconcileInterval,
                logger: logger
            )
            cluster = (redisParts, reconciler)
        } else {
            cluster = nil
        }
        carts = CartService(database: database, clock: clock)
        vouchers = VoucherService(database: database, clock: clock)
        orders = OrderService(
            database: database,
            clock: clock,
            jobs: jobs,
            notifications: notifications,
            flashSales: flashSales,
            pricing: settings.pricing,
            paymentMethods: parts.paymentProvider == nil ? [.cod] : Set(PaymentMethod.allCases)
        )
        payments = PaymentService(
            database: database,
            clock: clock,
            orders: orders,
            webhookSecret: settings.paymentWebhookSecret,
            provider: parts.paymentProvider
        )
        stats = AdminStatsService(database: database, clock: clock, flashSales: flashSales)
        workers = JobWorkers(
            queue: jobs,
            handlers: [
                EmailJobHandler(database: database, mailer: parts.mailer, clock: clock, shopURL: settings.publicBaseURL),
                BroadcastJobHandler(database: database, notifications: notifications, chunkSize: settings.broadcastChunkSize),
                UnpaidOrderJobHandler(payments: payments),
                PointsExpiryJobHandler(loyalty: loyalty, jobs: jobs),
                PruningJobHandler(database: database, clock: clock, jobs: jobs),
            ],
            queues: [
                .init(name: EmailJob.queue, concurrency: settings.emailConcurrency),
                .init(name: BroadcastJob.queue, concurrency: 1),
                .init(name: JobQueue.maintenance, concurrency: 1),
            ],
            logger: logger
        )
    }

    /// Accounts alone, for the commands that need nothing else (`create-admin`): no secrets, no ledger, no mailer.
    public static func makeAccounts(
        database: AppDatabase,
        clock: any AppClock,
        jobs: JobQueue,
        bcryptCost: Int,
        publicBaseURL: String,
        logger: Logger
    ) -> AccountService {
        AccountService(
            database: database,
            hasher: BcryptPasswordHasher(cost: bcryptCost),
            jobs: jobs,
            clock: clock,
            settings: AccountSettings(publicBaseURL: publicBaseURL),
            logger: logger
        )
    }

    /// Start-up work, done before the first request and before the background services start: the stock ledger
    /// is rebuilt from the committed reservations, and the daily maintenance jobs are scheduled.
    ///
    /// In cluster mode only the instance that takes Redis' start-up lock rebuilds it (the others wait for it); if
    /// Redis is down the shop starts anyway — reservations answer 503 until the reconciler finds Redis back and loads it.
    public func prepare() async throws {
        if let reconciler = cluster?.reconciler {
            do {
                try await reconciler.ensureLoaded()
            } catch let error as RedisError {
                logger.warning(
                    "Redis is unavailable at start-up; flash-sale reservations answer 503 until it is back",
                    metadata: ["error": "\(error)"]
                )
            }
        } else {
            try await flashSales.rebuildLedger()
        }
        try await PointsExpiryJobHandler.schedule(jobs, after: clock.now())
        try await PruningJobHandler.schedule(jobs, after: clock.now())
    }

    /// The long-running work beside the HTTP server: the job workers, the flash-sale clock (sale boundaries and
    /// reservation expiry), the watcher that absorbs sales other processes wrote, and in cluster mode the event
    /// channel's subscriber and the stock reconciler.
    public var backgroundServices: [any Service] {
        let externalChanges = ExternalChangeWatcher(database: database, clock: clock, logger: logger) {
            [externalSales] in try await externalSales.absorb()
        }
        let services: [any Service] = [workers, FlashSaleClock(sales: flashSales, logger: logger), externalChanges]
        guard let cluster else { return services }
        return services + [cluster.parts.bus, cluster.reconciler]
    }

    /// For `/readyz` in cluster mode: whether Redis answers `PING`; nil when the shop runs without Redis.
    public var redisReachable: (@Sendable () async -> Bool)? {
        guard let client = cluster?.parts.client else { return nil }
        return { await client.isReachable() }
    }
}
