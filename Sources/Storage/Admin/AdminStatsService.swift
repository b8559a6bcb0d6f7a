import Foundation
import GRDB

/// The admin dashboard's figures, read in one snapshot: today's orders and revenue, orders waiting for action,
/// products running low, open and next flash sales with their live remaining units, and jobs that gave up.
public struct AdminStats: Sendable, Equatable, Codable {
    public struct Today: Sendable, Equatable, Codable {
        /// Local midnight (in the server's time zone) the figures count from.
        public var since: Date
        public var orders: Int
        /// Sum of the totals of today's orders that were not cancelled or refunded.
        public var revenue: Int
    }

    public struct LowStockProduct: Sendable, Equatable, Codable {
        public var id: String
        public var slug: String
        public var name: String
        public var stock: Int
    }

    public struct ActiveSale: Sendable, Equatable, Codable {
        public var id: String
        public var slug: String
        public var name: String
        public var endsAt: Date
        public var quantity: Int
        public var remaining: Int
    }

    /// How many orders sit in one status.
    public struct StatusCount: Sendable, Equatable, Codable {
        public var status: OrderStatus
        public var count: Int
    }

    /// A scheduled sale, with the units it will offer (the ledger's counters, so a rebuilt sale shows what is left).
    public struct UpcomingSale: Sendable, Equatable, Codable {
        public var id: String
        public var slug: String
        public var name: String
        public var startsAt: Date
        public var endsAt: Date
        public var quantity: Int
        public var remaining: Int
    }

    /// A job that used up its attempts, with the reason it gave up.
    public struct DeadJob: Sendable, Equatable, Codable {
        public var id: Int64
        public var queue: String
        public var kind: String
        public var lastError: String?
        public var updatedAt: Date
    }

    /// The statuses in which an order waits for the shop to move it on, in the order the shop handles them.
    public static let waitingStatuses: [OrderStatus] = [.pending, .confirmed, .preparing, .shipping, .refundPending]

    public var today: Today
    /// Orders in `pending`: placed, not yet confirmed by the shop or paid.
    public var pendingOrders: Int
    /// Every status of ``waitingStatuses`` with its count, zeros included.
    public var waitingOrders: [StatusCount]
    /// Products on sale whose stock is at or below this.
    public var lowStockThreshold: Int
    public var lowStock: [LowStockProduct]
    public var activeSales: [ActiveSale]
    /// The next scheduled sales, soonest first (at most three).
    public var nextSales: [UpcomingSale]
    public var deadJobs: Int
    /// The latest dead jobs (at most five), newest first.
    public var recentDeadJobs: [DeadJob]
}

/// Computes ``AdminStats``; read-only, so it may read every owner's tables.
public struct AdminStatsService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let flashSales: FlashSaleService
    let timeZone: TimeZone
    let lowStockThreshold: Int
    /// Feeds ``changes()``: registered once here, so opening a live dashboard never waits for the database.
    let figureChanges: CommittedChangeFanOut

    public init(database: AppDatabase, clock: any AppClock, flashSales: FlashSaleService, timeZone: TimeZone = .current, lowStockThreshold: Int = 5) {
        self.database = database
        self.clock = clock
        self.flashSales = flashSales
        self.timeZone = timeZone
        self.lowStockThreshold = lowStockThreshold
        figureChanges = CommittedChangeFanOut(database: database, tables: Self.countedTables)
    }

    public func stats() async throws -> AdminStats {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let since = calendar.startOfDay(for: clock.now())
        let threshold = lowStockThreshold
        var stats = try await database.read { db -> AdminStats in
            let today = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS orders,
                        COALESCE(SUM(CASE WHEN status IN ('cancelled', 'refunded') THEN 0 ELSE total END), 0) AS revenue
                    FROM "order" WHERE createdAt >= ?
                    """,
                arguments: [since]
            )
            let counts = try Row.fetchAll(db, sql: #"SELECT status, COUNT(*) AS count FROM "order" GROUP BY status"#)
            let byStatus = Dictionary(counts.map { ($0["status"] as String, $0["count"] as Int) }, uniquingKeysWith: +)
            let waiting = AdminStats.waitingStatuses.map { AdminStats.StatusCount(status: $0, count: byStatus[$0.rawValue] ?? 0) }
            let lowStock = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, slug, name, stock FROM product WHERE deletedAt IS NULL AND isActive AND stock <= ?
                    ORDER BY stock, name LIMIT 50
                    """,
                arguments: [threshold]
            ).map { AdminStats.LowStockProduct(id: $0["id"], slug: $0["slug"], name: $0["name"], stock: $0["stock"]) }
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE status = 'dead'") ?? 0
            let recentDead = try Row.fetchAll(
                db,
                sql: "SELECT id, queue, kind, lastError, updatedAt FROM job WHERE status = 'dead' ORDER BY updatedAt DESC, id DESC LIMIT 5"
            ).map {
                AdminStats.DeadJob(
                    id: $0["id"],
                    queue: $0["queue"],
                    kind: $0["kind"],
                    lastError: $0["lastError"],
                    updatedAt: JobTime.date(millis: $0["updatedAt"])
                )
            }
            return AdminStats(
                today: .init(since: since, orders: today?["orders"] ?? 0, revenue: today?["revenue"] ?? 0),
                pendingOrders: byStatus[OrderStatus.pending.rawValue] ?? 0,
                waitingOrders: waiting,
                lowStockThreshold: threshold,
                lowStock: lowStock,
                activeSales: [],
                nextSales: [],
                deadJobs: dead,
                recentDeadJobs: recentDead
            )
        }
        // Remaining units come from the ledger's live counters, not from the rows.
        stats.activeSales = try await flashSales.list(status: .active).map { sale in
            AdminStats.ActiveSale(
                id: sale.id,
                slug: sale.slug,
                name: sale.name,
                endsAt: sale.endsAt,
                quantity: sale.items.reduce(0) { $0 + $1.quantity },
                remaining: sale.items.reduce(0) { $0 + max(0, $1.remaining) }
            )
        }
        stats.nextSales = try await flashSales.list(status: .scheduled).prefix(3).map { sale in
            AdminStats.UpcomingSale(
                id: sale.id,
                slug: sale.slug,
                name: sale.name,
                startsAt: sale.startsAt,
                endsAt: sale.endsAt,
                quantity: sale.items.reduce(0) { $0 + $1.quantity },
                remaining: sale.items.reduce(0) { $0 + max(0, $1.remaining) }
            )
        }
        return stats
    }
}
