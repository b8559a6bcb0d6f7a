import Foundation

/// The shop's swap-ins: the parts that have an embedded implementation and, where it applies, a Redis, SMTP or
/// gateway one. The composition root picks each from the configuration; tests hand in their own.
public struct ShopParts: Sendable {
    public var database: AppDatabase
    public var clock: any AppClock
    /// Flash-sale stock counters (in memory, or shared through Redis in cluster mode).
    public var ledger: any StockLedger
    /// Counts attempts on throttled actions: reservations, sign-in, register, password reset, guest carts.
    public var rateLimiter: any RateLimiter
    /// Delivers live notifications to open streams.
    public var hub: any NotificationHub
    /// The mail transport the email jobs send through.
    public var mailer: any Mailer
    /// The online payment gateway; nil takes cash on delivery only.
    public var paymentProvider: (any PaymentProvider)?
    /// Cluster mode: the Redis parts behind the ledger, limiter and hub above (``ClusterParts``); nil in one process.
    public var cluster: ClusterParts?

    public init(
        database: AppDatabase,
        clock: any AppClock,
        ledger: any StockLedger,
        rateLimiter: any RateLimiter,
        hub: any NotificationHub,
        mailer: any Mailer,
        paymentProvider: (any PaymentProvider)?,
        cluster: ClusterParts? = nil
    ) {
        self.database = database
        self.clock = clock
        self.ledger = ledger
        self.rateLimiter = rateLimiter
        self.hub = hub
        self.mailer = mailer
        self.paymentProvider = paymentProvider
        self.cluster = cluster
    }

    /// The single-process parts: an in-memory ledger and rate limiter, and the in-process hub.
    public static func embedded(
        database: AppDatabase,
        clock: any AppClock,
        mailer: any Mailer,
        paymentProvider: (any PaymentProvider)?
    ) -> ShopParts {
        ShopParts(
            database: database,
            clock: clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: clock),
            hub: InProcessNotificationHub(),
            mailer: mailer,
            paymentProvider: paymentProvider
        )
    }
}
