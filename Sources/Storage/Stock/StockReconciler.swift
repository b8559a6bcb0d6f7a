import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps the cluster's Redis ledger true to SQLite, the source of truth.
///
/// - Start-up and Redis restarts: when Redis has not been loaded (its `loaded` marker is missing: first start, or it
///   restarted empty), the instance that takes the start-up lock (`SET NX PX`) rebuilds it from SQLite; the others
///   wait for the marker. Reservations meanwhile answer 503 (``RedisStockLedger`` refuses while unloaded).
/// - Every `interval`: each item of a scheduled or active sale is compared with SQLite. When an item differs the same
///   way on two passes in a row (a reservation between its ledger step and its row's commit differs for a moment), the
///   ledger is reloaded from SQLite by ``FlashSaleService/rebuildLedger()``: it moves to the next ``StockLedgerEpoch``
///   in the transaction that reads the rows, so a take still in flight — counted by Redis, not by the rows read — can
///   never commit afterwards (its caller gets 503) and its compensating release is ignored. A repair therefore never
///   frees a unit that a committed reservation holds. Counts are logged and exported as `klelite_stock_reconcile_*`.
public final class StockReconciler: Service, Sendable {
    /// What one comparison pass found.
    public struct Report: Sendable, Equatable {
        public var checked = 0
        public var drifted = 0
        public var repaired = 0
    }

    private let sales: FlashSaleService
    private let ledger: RedisStockLedger
    private let clock: any AppClock
    private let interval: TimeInterval
    private let logger: Logger
    private let owner = UUID().uuidString.lowercased()
    /// Per drifted item, what Redis held on the previous pass (nil value: the item was missing).
    private let suspects = Mutex<[SaleItemKey: RedisItemSnapshot?]>([:])

    public init(
        sales: FlashSaleService,
        ledger: RedisStockLedger,
        clock: any AppClock,
        interval: TimeInterval = 60,
        logger: Logger = Logger(label: "klelite.stock.reconcile")
    ) {
        self.sales = sales
        self.ledger = ledger
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    private var lockKey: String { "\(ledger.namespace):startup-lock" }

    /// Loads Redis from SQLite unless it is loaded already; waits (up to `timeout`) while another instance does it.
    /// Returns true when this instance rebuilt it.
    @discardableResult
    public func ensureLoaded(timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await ledger.isLoaded() { return false }
            let taken = try await ledger.client.send(["SET", lockKey, owner, "NX", "PX", "30000"])
            if taken == .status("OK") {
                let (client, lockKey, owner) = (ledger.client, lockKey, owner)
                defer { Task { _ = try? await client.evaluate(Self.unlock, keys: [lockKey], arguments: [owner]) } }
                if try await ledger.isLoaded() { return false }
                try await sales.rebuildLedger()
                logger.notice("stock ledger rebuilt in Redis from SQLite")
                Counter(label: "klelite_stock_ledger_rebuilds_total").increment()
                return true
            }
            guard ContinuousClock.now < deadline else { throw RedisError.unavailable }
            try await Task.sleep(for: .milliseconds(50))  // another instance is rebuilding: wait for its marker
        }
    }

    /// Deletes the start-up lock only if this instance still holds it.
    static let unlock = RedisScript(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
    )

    /// One comparison pass over every item of every scheduled or active sale.
    @discardableResult
    public func reconcile() async throws -> Report {
        let states = try await sales.database.read { db in try FlashSaleService.itemStates(db, saleID: nil) }
        var report = Report()
        var seen: [SaleItemKey: RedisItemSnapshot?] = [:]
        var settled: [SaleItemKey] = []
        let previous = suspects.withLock { $0 }
        for state in states {
            report.checked += 1
            let snapshot = try await ledger.snapshot(state.key)
            if let snapshot, snapshot.matches(state) { continue }
            report.drifted += 1
            if let before = previous[state.key], before == snapshot {
                settled.append(state.key)
            } else {
                seen[state.key] = .some(snapshot)
            }
        }
        if !settled.isEmpty {
            try await sales.rebuildLedger()
            report.repaired = settled.count
            for saleID in Set(settled.map(\.saleID)) { sales.stockChanges.changed(saleID: saleID) }
        }
        suspects.withLock { $0 = seen }
        Gauge(label: "klelite_stock_reconcile_drift_items").record(report.drifted)
        Counter(label: "klelite_stock_reconcile_repairs_total").increment(by: report.repaired)
        if report.drifted > 0 {
            logger.warning(
                "stock reconciliation",
                metadata: ["checked": "\(report.checked)", "drifted": "\(report.drifted)", "repaired": "\(report.repaired)"]
            )
        } else {
            logger.debug("stock reconciliation", metadata: ["checked": "\(report.checked)"])
        }
        return report
    }

    /// Checks the loaded marker every second (a Redis restart is noticed within one) and compares every `interval`.
    public func run() async throws {
        var nextPass = clock.now().addingTimeInterval(interval)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await ensureLoaded(timeout: .seconds(5))
                if clock.now() >= nextPass {
                    nextPass = clock.now().addingTimeInterval(interval)
                    try await reconcile()
                }
            } catch {
                logger.warning("stock reconciliation postponed: Redis unavailable", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(until: self.clock.now().addingTimeInterval(1)) }
            } catch {
                return
            }
        }
    }
}
