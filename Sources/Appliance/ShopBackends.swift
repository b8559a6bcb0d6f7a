import Foundation
import Logging
import ServiceLifecycle
import Storage

/// The parts that differ between one process and a cluster, chosen from `STOCK_BACKEND` in this one place:
/// the stock ledger, the rate limiters (reservations, sign-in throttling, guest carts) and the notification hub.
///
/// - `memory`: everything in this process (one seller per `DATA_DIR`).
/// - `redis`: the ledger, the limits and the live events live in Redis (`REDIS_URL`), so several processes sharing
///   one `DATA_DIR` behave as one shop. There is no local fallback for stock: with Redis down a reservation answers
///   503 `stock_unavailable`; limits are then judged per instance.
struct ShopBackends: Sendable {
    /// What cluster mode adds: the Redis connections, the event channel, and the ledger as its Redis type.
    struct Cluster: Sendable {
        let client: RedisClient
        let bus: RedisEventBus
        let ledger: RedisStockLedger
    }

    let ledger: any StockLedger
    let rateLimiter: any RateLimiter
    let hub: any NotificationHub
    let cluster: Cluster?

    /// For `/readyz` in cluster mode: whether Redis answers `PING`.
    var redisReachable: (@Sendable () async -> Bool)? {
        guard let client = cluster?.client else { return nil }
        return { await client.isReachable() }
    }

    static func make(_ configuration: ApplianceConfiguration, clock: any AppClock, logger: Logger) -> ShopBackends {
        switch configuration.stockBackend {
        case .memory:
            return ShopBackends(ledger: InMemoryStockLedger(), rateLimiter: InMemoryRateLimiter(clock: clock), hub: InProcessNotificationHub(), cluster: nil)
        case .redis:
            let client = RedisClient(configuration: configuration.redis, logger: logger)
            let bus = RedisEventBus(client: client, logger: logger)
            let ledger = RedisStockLedger(client: client, logger: logger)
            return ShopBackends(
                ledger: ledger,
                rateLimiter: RedisRateLimiter(client: client, clock: clock, logger: logger),
                hub: RedisNotificationHub(bus: bus),
                cluster: Cluster(client: client, bus: bus, ledger: ledger)
            )
        }
    }

    /// Connects the flash sales to the cluster (stock changes travel the event channel both ways) and returns the
    /// reconciler cluster mode runs (beside the channel, ``Cluster/bus``). Nothing in memory mode.
    func attach(_ sales: FlashSaleService, clock: any AppClock, reconcileInterval: Int, logger: Logger) -> StockReconciler? {
        guard let cluster else { return nil }
        let signals = sales.stockChanges
        signals.relay { [bus = cluster.bus] saleID in bus.send(.stock, saleID) }
        cluster.bus.on(.stock) { saleID in signals.deliver(saleID: saleID) }
        cluster.bus.onGap { signals.deliverAll() }
        return StockReconciler(sales: sales, ledger: cluster.ledger, clock: clock, interval: TimeInterval(reconcileInterval), logger: logger)
    }

    /// Fills the ledger from SQLite before the first request. In cluster mode only the instance that takes Redis'
    /// start-up lock rebuilds it (the others wait for it); if Redis is down the server starts anyway — reservations
    /// answer 503 until the reconciler finds Redis back and loads it.
    func prepareLedger(_ sales: FlashSaleService, reconciler: StockReconciler?, logger: Logger) async throws {
        guard let reconciler else {
            try await sales.rebuildLedger()
            return
        }
        do {
            try await reconciler.ensureLoaded()
        } catch let error as RedisError {
            logger.warning("Redis is unavailable at start-up; flash-sale reservations answer 503 until it is back", metadata: ["error": "\(error)"])
        }
    }
}
