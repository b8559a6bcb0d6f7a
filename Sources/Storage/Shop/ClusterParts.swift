import Foundation
import Logging

/// Cluster mode's shared parts (`STOCK_BACKEND=redis`): one Redis client and what is built on it — the stock ledger,
/// the rate limiter (reservations, sign-in throttling, guest carts), the event channel and the notification hub on it.
/// Several processes sharing one `DATA_DIR` and one Redis then behave as one shop. There is no local fallback for
/// stock: with Redis down a reservation answers 503 `stock_unavailable`.
public struct ClusterParts: Sendable {
    public let client: RedisClient
    /// The Pub/Sub channel (one subscriber per process): notifications, sign-outs and stock changes.
    public let bus: RedisEventBus
    public let ledger: RedisStockLedger
    public let rateLimiter: RedisRateLimiter
    public let hub: RedisNotificationHub
    /// Seconds between two reconciliation passes of Redis' ledger against SQLite.
    public let reconcileInterval: TimeInterval

    public init(redis: RedisConfiguration, clock: any AppClock, reconcileInterval: TimeInterval = 60, logger: Logger) {
        let client = RedisClient(configuration: redis, logger: logger)
        let bus = RedisEventBus(client: client, logger: logger)
        self.client = client
        self.bus = bus
        ledger = RedisStockLedger(client: client, logger: logger)
        rateLimiter = RedisRateLimiter(client: client, clock: clock, logger: logger)
        hub = RedisNotificationHub(bus: bus)
        self.reconcileInterval = reconcileInterval
    }

    /// Carries this process's stock changes to the other instances and theirs to this one's observers; after a gap
    /// in the channel every observer re-reads.
    func connect(_ signals: StockChangeSignals) {
        signals.relay { [bus] saleID in bus.send(.stock, saleID) }
        bus.on(.stock) { saleID in signals.deliver(saleID: saleID) }
        bus.onGap { signals.deliverAll() }
    }

    /// Keeps the in-memory copies of rows on in a cluster: this instance's commits are announced to the others, and
    /// theirs make it forget what they changed (``CommittedChangeRelay``).
    func connect(_ database: AppDatabase) {
        database.relayCommittedChanges { [bus] key in bus.send(.commits, key) }
        bus.on(.commits) { key in database.committedChangeAnnounced(key) }
        bus.onChannel { isUp in database.committedChangeChannel(isUp: isUp) }
    }
}

extension ShopParts {
    /// The cluster's parts: the ledger, the rate limiter and the hub come from `cluster`.
    public static func clustered(
        database: AppDatabase,
        clock: any AppClock,
        cluster: ClusterParts,
        mailer: any Mailer,
        paymentProvider: (any PaymentProvider)?
    ) -> ShopParts {
        ShopParts(
            database: database,
            clock: clock,
            ledger: cluster.ledger,
            rateLimiter: cluster.rateLimiter,
            hub: cluster.hub,
            mailer: mailer,
            paymentProvider: paymentProvider,
            cluster: cluster
        )
    }
}
