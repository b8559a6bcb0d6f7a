import Foundation
import GRDB

/// A discount code: a percentage (with an optional cap) or a fixed amount, from a minimum subtotal,
/// within a window, with total and per-user usage limits.
public struct Voucher: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case percent, fixed }

    public var id: String
    public var code: String
    public var kind: Kind
    /// Percent (1–100) or an amount in ₫.
    public var value: Int
    public var minSubtotal: Int
    public var maxDiscount: Int?
    public var startsAt: Date?
    public var endsAt: Date?
    public var usageLimit: Int?
    public var perUserLimit: Int?
    public var usedCount: Int
    public var isActive: Bool

    /// The discount on `subtotal`: never more than the subtotal, capped by `maxDiscount`.
    public func discount(on subtotal: Int) -> Int {
        let raw = kind == .percent ? subtotal * value / 100 : value
        return min(subtotal, maxDiscount.map { min(raw, $0) } ?? raw)
    }
}

/// What an admin sends to create or change a voucher.
public struct VoucherDraft: Sendable, Codable {
    public var code: String
    public var kind: Voucher.Kind
    public var value: Int
    public var minSubtotal: Int?
    public var maxDiscount: Int?
    public var startsAt: Date?
    public var endsAt: Date?
    public var usageLimit: Int?
    public var perUserLimit: Int?
    public var isActive: Bool?

    public init(
        code: String,
        kind: Voucher.Kind,
        value: Int,
        minSubtotal: Int? = nil,
        maxDiscount: Int? = nil,
        startsAt: Date? = nil,
        endsAt: Date? = nil,
        usageLimit: Int? = nil,
        perUserLimit: Int? = nil,
        isActive: Bool? = nil
    ) {
        self.code = code
        self.kind = kind
        self.value = value
        self.minSubtotal = minSubtotal
        self.maxDiscount = maxDiscount
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.usageLimit = usageLimit
        self.perUserLimit = perUserLimit
        self.isActive = isActive
    }
}

/// Vouchers: admin management, previews, and the checkout's atomic use (limits hold under concurrency
/// because a use is a conditional update inside the order's transaction).
public final class VoucherService: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    public init(database: AppDatabase, clock: any AppClock) {
        self.database = database
        self.clock = clock
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

    public func list() async throws -> [Voucher] {
        try await database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM voucher ORDER BY createdAt DESC, id").map(Self.voucher(from:)) }
    }

    public func create(_ draft: VoucherDraft) async throws -> Voucher {
        try Self.validate(draft)
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        do {
            return try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO voucher (id, code, kind, value, minSubtotal, maxDiscount, startsAt, endsAt, usageLimit, perUserLimit,
                            isActive, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, draft.code.trimmingCharacters(in: .whitespaces).uppercased(), draft.kind.rawValue, draft.value, draft.minSubtotal ?? 0,
                        draft.maxDiscount, draft.startsAt, draft.endsAt, draft.usageLimit, draft.perUserLimit, draft.isActive ?? true, now, now,
                    ]
                )
                return try Self.fetchVoucher(db, id: id)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AppError(.conflict, "A voucher with this code exists.", fields: ["code": "is already used"])
        }
    }

    static func fetchVoucher(_ db: Database, id: String) throws -> Voucher {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM voucher WHERE id = ?", arguments: [id]) else {
            throw AppError.notFound("The voucher")
        }
        return voucher(from: row)
    }

    /// Switches a voucher on or off (a used voucher keeps its history).
    public func setActive(id: String, _ isActive: Bool) async throws -> Voucher {
        let now = clock.now()
        return try await database.write { db in
            try db.execute(sql: "UPDATE voucher SET isActive = ?, updatedAt = ? WHERE id = ?", arguments: [isActive, now, id])
            guard db.changesCount == 1 else { throw AppError.notFound("The voucher") }
            return try Self.fetchVoucher(db, id: id)
        }
    }

    public func delete(id: String) async throws {
        try await database.write { db in
            guard try Int.fetchOne(db, sql: "SELECT usedCount FROM voucher WHERE id = ?", arguments: [id]) == 0 else {
                if try Int.fetchOne(db, sql: "SELECT 1 FROM voucher WHERE id = ?", arguments: [id]) == nil { throw AppError.notFound("The voucher") }
                throw AppError(.conflict, "A voucher that was used cannot be deleted; switch it off instead.")
            }
            try db.execute(sql: "DELETE FROM voucher WHERE id = ?", arguments: [id])
        }
    }

    /// The discount the code would give this user on `subtotal`, or why it does not apply.
    public func preview(code: String, userID: String, subtotal: Int) async throws -> (Voucher, Int) {
        let now = clock.now()
        return try await database.read { db in
            let voucher = try Self.applicable(db, code: code, userID: userID, subtotal: subtotal, now: now)
            return (voucher, voucher.discount(on: subtotal))
        }
    }

    /// Inside the order's transaction: checks the code and records one use; fails (409) when a limit is reached.
    static func use(_ db: Database, code: String, userID: String, orderID: String, subtotal: Int, now: Date) throws -> Int {
        let voucher = try applicable(db, code: code, userID: userID, subtotal: subtotal, now: now)
        try db.execute(
            sql: "UPDATE voucher SET usedCount = usedCount + 1, updatedAt = ? WHERE id = ? AND (usageLimit IS NULL OR usedCount < usageLimit)",
            arguments: [now, voucher.id]
        )
        guard db.changesCount == 1 else { throw AppError(.conflict, "This voucher has been used up.", fields: ["voucherCode": "is used up"]) }
        try db.execute(
            sql: "INSERT INTO voucherUse (voucherId, userId, orderId, createdAt) VALUES (?, ?, ?, ?)",
            arguments: [voucher.id, userID, orderID, now]
        )
        return voucher.discount(on: subtotal)
    }

    /// Gives an order's voucher use back (the order was cancelled).
    static func release(_ db: Database, orderID: String) throws {
        guard let voucherID = try String.fetchOne(db, sql: "SELECT voucherId FROM voucherUse WHERE orderId = ?", arguments: [orderID]) else { return }
        try db.execute(sql: "DELETE FROM voucherUse WHERE orderId = ?", arguments: [orderID])
        try db.execute(sql: "UPDATE voucher SET usedCount = usedCount - 1 WHERE id = ? AND usedCount > 0", arguments: [voucherID])
    }

    static func applicable(_ db: Database, code: String, userID: String, subtotal: Int, now: Date) throws -> Voucher {
        let invalid = AppError.validation("This voucher code is not valid.", fields: ["voucherCode": "is not a valid code"])
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM voucher WHERE code = ?", arguments: [code.trimmingCharacters(in: .whitespaces)])
        else {
            throw invalid
        }
        let voucher = voucher(from: row)
        guard voucher.isActive, voucher.startsAt.map({ $0 <= now }) ?? true, voucher.endsAt.map({ now < $0 }) ?? true else {
            throw AppError.validation("This voucher is not valid now.", fields: ["voucherCode": "is not valid at this time"])
        }
        guard subtotal >= voucher.minSubtotal else {
            throw AppError.validation(
                "This voucher needs a subtotal of at least \(voucher.minSubtotal).",
                fields: ["voucherCode": "needs a subtotal of \(voucher.minSubtotal)"]
            )
        }
        if let limit = voucher.usageLimit, voucher.usedCount >= limit {
            throw AppError(.conflict, "This voucher has been used up.", fields: ["voucherCode": "is used up"])
        }
        if let perUser = voucher.perUserLimit {
            let used =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM voucherUse WHERE voucherId = ? AND userId = ?", arguments: [voucher.id, userID]) ?? 0
            guard used < perUser else { throw AppError(.conflict, "You have already used this voucher.", fields: ["voucherCode": "already used"]) }
        }
        return voucher
    }

    static func validate(_ draft: VoucherDraft) throws(AppError) {
        let code = draft.code.trimmingCharacters(in: .whitespaces)
        guard (3...40).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .validation("The code is not valid.", fields: ["code": "must be 3-40 letters, digits, - or _"])
        }
        guard draft.value >= 1, draft.kind == .fixed || draft.value <= 100 else {
            throw .validation("The value is out of range.", fields: ["value": "must be 1-100 for percent, at least 1 for fixed"])
        }
        if let start = draft.startsAt, let end = draft.endsAt, end <= start {
            throw .validation("The voucher must end after it starts.", fields: ["endsAt": "must be after startsAt"])
        }
        for (field, value) in [
            ("minSubtotal", draft.minSubtotal), ("maxDiscount", draft.maxDiscount), ("usageLimit", draft.usageLimit),
            ("perUserLimit", draft.perUserLimit),
        ] {
            if let value, value < (field == "minSubtotal" ? 0 : 1) {
                throw .validation("\(field) is out of range.", fields: [field: "is out of range"])
            }
        }
    }

    static func voucher(from row: Row) -> Voucher {
        Voucher(
            id: row["id"],
            code: row["code"],
            kind: Voucher.Kind(rawValue: row["kind"]) ?? .fixed,
            value: row["value"],
            minSubtotal: row["minSubtotal"],
            maxDiscount: row["maxDiscount"],
            startsAt: row["startsAt"],
            endsAt: row["endsAt"],
            usageLimit: row["usageLimit"],
            perUserLimit: row["perUserLimit"],
            usedCount: row["usedCount"],
            isActive: row["isActive"]
        )
    }
}
