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
        carts = CartService(database: database, clock: clock)
        vouchers = VoucherService(database: database, clock: clock)
        orders = OrderService(
            database: database,
            clock: clock,
            jobs: jobs,
            notifications: notifications,
            flashSales: flashSales,
            pricing: settings.pricing,
            publicBaseURL: settings.publicBaseURL,
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
                EmailJobHandler(database: database, mailer: parts.mailer, clock: clock),
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
    public func prepare() async throws {
        try await flashSales.rebuildLedger()
        try await PointsExpiryJobHandler.schedule(jobs, after: clock.now())
        try await PruningJobHandler.schedule(jobs, after: clock.now())
    }

    /// The long-running work beside the HTTP server: the job workers, the flash-sale clock (sale boundaries and
    /// reservation expiry), and the watcher that absorbs sales other processes wrote.
    public var backgroundServices: [any Service] {
        let externalChanges = ExternalChangeWatcher(database: database, clock: clock, logger: logger) {
            [externalSales] in try await externalSales.absorb()
        }
        return [workers, FlashSaleClock(sales: flashSales, logger: logger), externalChanges]
    }
}
