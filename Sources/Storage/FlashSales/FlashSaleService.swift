import Foundation
import GRDB
import Synchronization

/// Flash sales: the admin's sales, their timed status, and shoppers' reservations against the stock ledger.
///
/// SQLite holds the truth (sales, items, reservations); the ``StockLedger`` holds the fast counters and is
/// rebuilt from SQLite at start-up. A reservation is taken in the ledger first (limit and stock in one
/// atomic step) and then written to SQLite; if that write fails the ledger step is undone.
public final class FlashSaleService: Sendable {
    public struct Settings: Sendable {
        /// How long a reservation holds its units unless it becomes part of an order.
        public var reservationTTL: TimeInterval
        /// Reservation attempts per user per minute.
        public var reservePerMinute: Int

        public init(reservationTTL: TimeInterval = 300, reservePerMinute: Int = 5) {
            self.reservationTTL = reservationTTL
            self.reservePerMinute = reservePerMinute
        }
    }

    let database: AppDatabase
    let clock: any AppClock
    let ledger: any StockLedger
    /// The same ledger, for the steps of reservations and settlements: the in-process one called without an `async` hop.
    let ledgerSteps: StockLedgerBackend
    let rateLimiter: any RateLimiter
    public let settings: Settings
    /// Per sale, a signal that its stock changed (coalesced by the SSE stream).
    public let stockChanges: StockChangeSignals
    /// Wakes the sale clock when a boundary or an expiry may have moved earlier.
    let wake = WakeSignal()
    /// Whether a cancelled sale may still hold reservations: at start-up (a crash may have cut a cancellation's release
    /// short) and after a cancellation whose release did not finish. The clock's next tick releases them and clears it.
    let cancelledHoldsPending = Atomic<Bool>(true)
    /// Reservation rows, written with group commit.
    let writer: ReservationWriter
    /// The loyalty tier of a user, for early access; nil when the user has none.
    let tierOf: @Sendable (String) async throws -> String?
    /// When given, a sale that starts queues a notification to every customer in the same transaction.
    let jobs: JobQueue?
    /// What a reserve decision reads of a sale and its item, kept in memory until a sale or an item changes.
    let saleGates = CommitScopedCache<SaleGateKey, SaleGate>(maxCount: 10_000)

    public init(
        database: AppDatabase,
        clock: any AppClock,
        ledger: any StockLedger,
        rateLimiter: any RateLimiter,
        settings: Settings = Settings(),
        jobs: JobQueue? = nil,
        tierOf: @escaping @Sendable (String) async throws -> String? = { _ in nil }
    ) {
        self.database = database
        self.clock = clock
        self.ledger = ledger
        self.ledgerSteps = StockLedgerBackend(ledger)
        self.rateLimiter = rateLimiter
        self.settings = settings
        self.stockChanges = StockChangeSignals()
        self.writer = ReservationWriter(database: database)
        self.tierOf = tierOf
        self.jobs = jobs
        saleGates.forget(onCommittedChangeOf: ["flashSale", "flashSaleItem"], in: database)
    }

    // MARK: - Ledger

    /// Loads the ledger from SQLite: per item of every scheduled or active sale, the quantity less what is
    /// held (reserved or ordered) and confirmed, and per user what they hold or bought. Run before serving, and in
    /// cluster mode whenever Redis must be overwritten from SQLite: the read and the move to the next
    /// ``StockLedgerEpoch`` are one write transaction, so a take the read did not count can never commit after it.
    public func rebuildLedger() async throws {
        let (epoch, states) = try await database.write { db in (try StockLedgerEpoch.next(db), try Self.itemStates(db, saleID: nil)) }
        try await ledger.load(states, epoch: epoch)
    }

    // MARK: - Reading

    /// The sale clock's "now", so pages count down against the server's time.
    public func now() -> Date { clock.now() }

    public func list(status: FlashSaleStatus?) async throws -> [FlashSale] {
        let ids = try await database.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT id FROM flashSale \(status == nil ? "" : "WHERE status = ?") ORDER BY startsAt, id",
                arguments: status.map { [$0.rawValue] } ?? []
            )
        }
        var sales: [FlashSale] = []
        for id in ids { sales.append(try await sale(idOrSlug: id)) }
        return sales
    }

    /// A sale with its items and their live counters.
    public func sale(idOrSlug: String) async throws -> FlashSale {
        var sale = try await database.read { db -> FlashSale in
            guard let record = try FlashSaleStore.find(db, idOrSlug: idOrSlug) else { throw AppError.notFound("The flash sale") }
            return record.sale(items: try FlashSaleStore.itemViews(db, saleID: record.id))
        }
        for index in sale.items.indices {
            guard let level = try await ledger.level(SaleItemKey(saleID: sale.id, productID: sale.items[index].productId)) else { continue }
            sale.items[index].held = level.held
            sale.items[index].confirmed = level.confirmed
            sale.items[index].remaining = level.remaining
        }
        return sale
    }

    /// The user's reservations, newest first.
    public func reservations(userID: String) async throws -> [Reservation] {
        try await database.read { db in
            try ReservationStore.ofUser(db, userID: userID, limit: 200)
        }
    }
}
