import Foundation
import GRDB

/// The one owner of the `pointsEntry` and `pointsDraw` tables (migrations `v10_loyalty`,
/// `v11_loyalty_redeemed_lots`). Rules (tiers, the 50% cap) stay in ``LoyaltyService`` and ``LoyaltyRules``.
enum PointsStore {
    /// A row of `pointsEntry`. Its kind decodes strictly: an unknown value is an error, never a guess.
    struct Record: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
        static let databaseTableName = "pointsEntry"

        var id: Int64?
        var userId: String
        var kind: PointsEntry.Kind
        var points: Int
        var orderId: String?
        var reason: String?
        /// What is left of a credit (a lot); 0 for debits.
        var remaining: Int
        var expiresAt: Date?
        var createdAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let userId = Column(CodingKeys.userId)
            static let kind = Column(CodingKeys.kind)
            static let points = Column(CodingKeys.points)
            static let orderId = Column(CodingKeys.orderId)
            static let remaining = Column(CodingKeys.remaining)
            static let expiresAt = Column(CodingKeys.expiresAt)
        }

        mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

        var entry: PointsEntry {
            PointsEntry(id: id ?? 0, kind: kind, points: points, orderId: orderId, reason: reason, expiresAt: expiresAt, createdAt: createdAt)
        }
    }

    /// A row of `pointsDraw`: how many points a debit took from one lot.
    struct DrawRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "pointsDraw"

        var entryId: Int64
        var lotId: Int64
        var points: Int

        enum Columns {
            static let entryId = Column(CodingKeys.entryId)
        }
    }

    static func v10Loyalty(_ db: Database) throws {
        try db.create(table: "pointsEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull().check { ["earn", "redeem", "expire", "refund", "adjust"].contains($0) }
            t.column("points", .integer).notNull().check { $0 != 0 }
            t.column("orderId", .text)
            t.column("reason", .text)
            t.column("remaining", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("expiresAt", .datetime)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(index: "pointsEntry_on_user", on: "pointsEntry", columns: ["userId", "id"])
        try db.create(index: "pointsEntry_open_lots", on: "pointsEntry", columns: ["remaining", "expiresAt"])
        // One earning and one redemption per order.
        try db.execute(
            sql:
                "CREATE UNIQUE INDEX pointsEntry_once_per_order ON pointsEntry (orderId, kind) WHERE orderId IS NOT NULL AND kind IN ('earn', 'redeem')"
        )
        try db.alter(table: "order") { t in t.add(column: "pointsRedeemed", .integer).notNull().defaults(to: 0) }
    }

    /// Records which lots each debit drew from (migration `v11_loyalty_redeemed_lots`).
    static func v11RedeemedLots(_ db: Database) throws {
        try db.create(table: "pointsDraw") { t in
            t.belongsTo("entry", inTable: "pointsEntry", onDelete: .cascade).notNull()
            t.belongsTo("lot", inTable: "pointsEntry", onDelete: .cascade).notNull()
            t.column("points", .integer).notNull().check { $0 > 0 }
            t.primaryKey(["entryId", "lotId"])
        }
    }

    /// The user's entries, newest first.
    static func history(_ db: Database, userID: String, limit: Int) throws -> [PointsEntry] {
        try Record.filter(Record.Columns.userId == userID).order(Record.Columns.id.desc).limit(limit).fetchAll(db).map(\.entry)
    }

    static func balance(_ db: Database, userID: String) throws -> Int {
        try Record.filter(Record.Columns.userId == userID).select(sum(Record.Columns.points) ?? 0, as: Int.self).fetchOne(db) ?? 0
    }

    /// The order's entry of `kind`, if any (an order earns and redeems at most once).
    static func entry(_ db: Database, orderID: String, kind: PointsEntry.Kind) throws -> Record? {
        try Record.filter(Record.Columns.orderId == orderID && Record.Columns.kind == kind.rawValue).fetchOne(db)
    }

    /// Appends an entry; returns its id.
    @discardableResult
    static func append(_ db: Database, _ record: Record) throws -> Int64 {
        var record = record
        try record.insert(db)
        return record.id ?? db.lastInsertedRowID
    }

    /// Lots with points left, soonest to expire first (`expiredBy`: only those expired by then).
    static func openLots(_ db: Database, userID: String? = nil, expiredBy: Date? = nil) throws -> [Record] {
        var request = Record.filter(Record.Columns.remaining > 0)
        if let userID { request = request.filter(Record.Columns.userId == userID) }
        if let expiredBy { request = request.filter(Record.Columns.expiresAt <= expiredBy) }
        return try request.order(Record.Columns.expiresAt, Record.Columns.id).fetchAll(db)
    }

    /// Changes what is left of a lot by `delta` (never below zero: the table's CHECK).
    static func adjustRemaining(_ db: Database, lotID: Int64, by delta: Int) throws {
        _ = try Record.filter(key: lotID).updateAll(db, Record.Columns.remaining += delta)
    }

    static func recordDraw(_ db: Database, entryID: Int64, lotID: Int64, points: Int) throws {
        try DrawRecord(entryId: entryID, lotId: lotID, points: points).insert(db)
    }

    /// The lots a redemption of `orderID` drew from, with how much it took from each.
    static func drawsOfRedemption(_ db: Database, orderID: String) throws -> [DrawRecord] {
        guard let redemption = try entry(db, orderID: orderID, kind: .redeem), let id = redemption.id else { return [] }
        return try DrawRecord.filter(DrawRecord.Columns.entryId == id).fetchAll(db)
    }
}
