import Foundation
import GRDB

/// Vouchers: admin management, previews, and the checkout's atomic use (limits hold under concurrency
/// because a use is a conditional update inside the order's transaction).
public final class VoucherService: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    public init(database: AppDatabase, clock: any AppClock) {
        self.database = database
        self.clock = clock
    }

    public func list() async throws -> [Voucher] {
        try await database.read { db in try VoucherStore.all(db) }
    }

    public func create(_ draft: VoucherDraft) async throws -> Voucher {
        try Self.validate(draft)
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        do {
            return try await database.write { db in
                try VoucherStore.insert(
                    db,
                    VoucherStore.Record(
                        id: id,
                        code: Self.normalizedCode(draft.code),
                        kind: draft.kind,
                        value: draft.value,
                        minSubtotal: draft.minSubtotal ?? 0,
                        maxDiscount: draft.maxDiscount,
                        startsAt: draft.startsAt,
                        endsAt: draft.endsAt,
                        usageLimit: draft.usageLimit,
                        perUserLimit: draft.perUserLimit,
                        usedCount: 0,
                        isActive: draft.isActive ?? true,
                        createdAt: now,
                        updatedAt: now
                    )
                )
                return try VoucherStore.find(db, id: id)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AppError(.conflict, "A voucher with this code exists.", fields: ["code": "is already used"])
        }
    }

    /// Changes a voucher's terms (a partial change, validated like a new voucher). Once a voucher was used its code
    /// stays fixed (409), and its usage limit cannot go below the uses already made (409, field `usageLimit`).
    public func update(id: String, _ changes: VoucherChanges) async throws -> Voucher {
        let now = clock.now()
        do {
            return try await database.write { db in
                let voucher = try VoucherStore.find(db, id: id)
                var draft = changes.applied(to: voucher)
                draft.code = Self.normalizedCode(draft.code)
                try Self.validate(draft)
                if draft.code != voucher.code, voucher.usedCount > 0 {
                    throw AppError(
                        .conflict,
                        "A voucher that was used keeps its code.",
                        fields: ["code": "cannot change after \(voucher.usedCount) uses"]
                    )
                }
                if let limit = draft.usageLimit, limit < voucher.usedCount {
                    throw AppError(
                        .conflict,
                        "The usage limit cannot be below the \(voucher.usedCount) uses already made.",
                        fields: ["usageLimit": "must be at least \(voucher.usedCount), the uses already made"]
                    )
                }
                try VoucherStore.replaceTerms(db, id: id, with: draft, now: now)
                return try VoucherStore.find(db, id: id)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AppError(.conflict, "A voucher with this code exists.", fields: ["code": "is already used"])
        }
    }

    static func normalizedCode(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespaces).uppercased()
    }

    public func delete(id: String) async throws {
        try await database.write { db in try VoucherStore.deleteUnused(db, id: id) }
    }

    /// The discount the code would give this user on `subtotal`, or why it does not apply.
    public func preview(code: String, userID: String, subtotal: Int) async throws -> (Voucher, Int) {
        let now = clock.now()
        return try await database.read { db in
            let voucher = try Self.applicable(db, code: code, userID: userID, subtotal: subtotal, now: now)
            return (voucher, voucher.discount(on: subtotal))
        }
    }

    /// Inside the order's transaction: checks the code and records one use; answers the voucher used. Fails (409) when a
    /// limit is reached.
    static func use(_ db: Database, code: String, userID: String, orderID: String, subtotal: Int, now: Date) throws -> Voucher {
        let voucher = try applicable(db, code: code, userID: userID, subtotal: subtotal, now: now)
        try VoucherStore.use(db, voucher: voucher, userID: userID, orderID: orderID, now: now)
        return voucher
    }

    /// Gives an order's voucher use back (the order was cancelled).
    static func release(_ db: Database, orderID: String) throws {
        try VoucherStore.release(db, orderID: orderID)
    }

    static func applicable(_ db: Database, code: String, userID: String, subtotal: Int, now: Date) throws -> Voucher {
        let invalid = AppError.validation("This voucher code is not valid.", fields: ["voucherCode": "is not a valid code"])
        guard let voucher = try VoucherStore.find(db, code: code.trimmedOfWhitespace) else { throw invalid }
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
            let used = try VoucherStore.uses(db, voucherID: voucher.id, userID: userID)
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
}
