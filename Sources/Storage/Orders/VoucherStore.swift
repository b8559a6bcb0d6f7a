import Foundation
import GRDB

/// The one owner of the `voucher` and `voucherUse` tables (migration `v8_vouchers`). Checkout and cancellation
/// call ``use(_:voucher:userID:orderID:now:)`` and ``release(_:orderID:)`` inside their own transaction.
enum VoucherStore {
    /// A row of `voucher`. Its kind decodes strictly: an unknown value is an error, never a guess.
    struct Record: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "voucher"

        var id: String
        var code: String
        var kind: Voucher.Kind
        var value: Int
        var minSubtotal: Int
        var maxDiscount: Int?
        var startsAt: Date?
        var endsAt: Date?
        var usageLimit: Int?
        var perUserLimit: Int?
        var usedCount: Int
        var isActive: Bool
        var createdAt: Date
        var updatedAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let code = Column(CodingKeys.code)
            static let usageLimit = Column(CodingKeys.usageLimit)
            static let usedCount = Column(CodingKeys.usedCount)
            static let isActive = Column(CodingKeys.isActive)
            static let createdAt = Column(CodingKeys.createdAt)
            static let updatedAt = Column(CodingKeys.updatedAt)
        }

        var voucher: Voucher {
            Voucher(
                id: id,
                code: code,
                kind: kind,
                value: value,
                minSubtotal: minSubtotal,
                maxDiscount: maxDiscount,
                startsAt: startsAt,
                endsAt: endsAt,
                usageLimit: usageLimit,
                perUserLimit: perUserLimit,
                usedCount: usedCount,
                isActive: isActive
            )
        }
    }

    /// A row of `voucherUse`: one order's use of a voucher.
    struct UseRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "voucherUse"

        var voucherId: String
        var userId: String
        var orderId: String
        var createdAt: Date

        enum Columns {
            static let voucherId = Column(CodingKeys.voucherId)
            static let userId = Column(CodingKeys.userId)
            static let orderId = Column(CodingKeys.orderId)
        }
    }

    static func v8Vouchers(_ db: Database) throws {
        try db.create(table: "voucher") { t in
            t.primaryKey("id", .text)
            t.column("code", .text).notNull().unique().collate(.nocase).check { length($0) >= 3 && length($0) <= 40 }
            t.column("kind", .text).notNull().check { ["percent", "fixed"].contains($0) }
            t.column("value", .integer).notNull().check { $0 >= 1 }
            t.column("minSubtotal", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("maxDiscount", .integer).check { $0 == nil || $0 >= 1 }
            t.column("startsAt", .datetime)
            t.column("endsAt", .datetime)
            t.column("usageLimit", .integer).check { $0 == nil || $0 >= 1 }
            t.column("perUserLimit", .integer).check { $0 == nil || $0 >= 1 }
            t.column("usedCount", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("isActive", .boolean).notNull().defaults(to: true)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.check(sql: "kind = 'fixed' OR value <= 100")
            t.check(sql: "usageLimit IS NULL OR usedCount <= usageLimit")
        }
        try db.create(table: "voucherUse") { t in
            t.belongsTo("voucher", onDelete: .cascade).notNull()
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("orderId", .text).notNull().unique()
            t.column("createdAt", .datetime).notNull()
        }
        try db.alter(table: "order") { t in t.add(column: "voucherCode", .text) }
    }

    static func all(_ db: Database) throws -> [Voucher] {
        try Record.order(Record.Columns.createdAt.desc, Record.Columns.id).fetchAll(db).map(\.voucher)
    }

    static func find(_ db: Database, id: String) throws -> Voucher {
        guard let record = try Record.fetchOne(db, key: id) else { throw AppError.notFound("The voucher") }
        return record.voucher
    }

    /// By code, regardless of case (the column's collation).
    static func find(_ db: Database, code: String) throws -> Voucher? {
        try Record.filter(Record.Columns.code == code).fetchOne(db)?.voucher
    }

    static func insert(_ db: Database, _ record: Record) throws {
        try record.insert(db)
    }

    /// Replaces a voucher's terms with `draft` (already validated; the code already normalised). The usage count
    /// stays as it is, and the table's CHECK still holds `usedCount <= usageLimit`.
    static func replaceTerms(_ db: Database, id: String, with draft: VoucherDraft, now: Date) throws {
        guard var record = try Record.fetchOne(db, key: id) else { throw AppError.notFound("The voucher") }
        record.code = draft.code
        record.kind = draft.kind
        record.value = draft.value
        record.minSubtotal = draft.minSubtotal ?? 0
        record.maxDiscount = draft.maxDiscount
        record.startsAt = draft.startsAt
        record.endsAt = draft.endsAt
        record.usageLimit = draft.usageLimit
        record.perUserLimit = draft.perUserLimit
        record.isActive = draft.isActive ?? record.isActive
        record.updatedAt = now
        try record.update(db)
    }

    /// Deletes a voucher nobody used (409 otherwise: a used voucher keeps its history).
    static func deleteUnused(_ db: Database, id: String) throws {
        let voucher = try find(db, id: id)
        guard voucher.usedCount == 0 else { throw AppError(.conflict, "A voucher that was used cannot be deleted; switch it off instead.") }
        _ = try Record.deleteOne(db, key: id)
    }

    static func uses(_ db: Database, voucherID: String, userID: String) throws -> Int {
        try UseRecord.filter(UseRecord.Columns.voucherId == voucherID && UseRecord.Columns.userId == userID).fetchCount(db)
    }

    /// Records one use of an applicable voucher: a conditional update, so the total limit holds under concurrency
    /// (409 once it is reached).
    static func use(_ db: Database, voucher: Voucher, userID: String, orderID: String, now: Date) throws {
        let usedUp = Record.Columns.usageLimit == nil || Record.Columns.usedCount < Record.Columns.usageLimit
        let changed = try Record.filter(key: voucher.id).filter(usedUp)
            .updateAll(db, Record.Columns.usedCount += 1, Record.Columns.updatedAt.set(to: now))
        guard changed == 1 else { throw AppError(.conflict, "This voucher has been used up.", fields: ["voucherCode": "is used up"]) }
        try UseRecord(voucherId: voucher.id, userId: userID, orderId: orderID, createdAt: now).insert(db)
    }

    /// Gives an order's voucher use back (the order was cancelled).
    static func release(_ db: Database, orderID: String) throws {
        guard let use = try UseRecord.filter(UseRecord.Columns.orderId == orderID).fetchOne(db) else { return }
        _ = try UseRecord.filter(UseRecord.Columns.orderId == orderID).deleteAll(db)
        _ = try Record.filter(key: use.voucherId).filter(Record.Columns.usedCount > 0).updateAll(db, Record.Columns.usedCount -= 1)
    }
}
