import Foundation
import GRDB

/// One line of a user's points history.
public struct PointsEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case earn, redeem, expire, refund, adjust }

    public var id: Int64
    public var kind: Kind
    /// Signed: positive credits, negative debits.
    public var points: Int
    public var orderId: String?
    public var reason: String?
    public var expiresAt: Date?
    public var createdAt: Date
}

/// A user's standing in the programme.
public struct LoyaltySummary: Sendable, Equatable, Codable {
    public var balance: Int
    public var lifetimePoints: Int
    public var tier: LoyaltyTier
    public var nextTier: LoyaltyTier?
    public var pointsToNextTier: Int?
    public var history: [PointsEntry]
}

/// The points ledger: append-only entries explain every balance. Credits (earn, refund, adjust) are lots
/// that keep what is left of them; debits (redeem, expire) take from the oldest lots first, and a lot's
/// remainder expires 12 months after it was credited.
public final class LoyaltyService: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    public init(database: AppDatabase, clock: any AppClock) {
        self.database = database
        self.clock = clock
    }

    public func summary(userID: String) async throws -> LoyaltySummary {
        try await database.read { db in
            let balance = try Self.balance(db, userID: userID)
            let lifetime = try Self.lifetime(db, userID: userID)
            let tier = LoyaltyTier.forLifetime(lifetime)
            let history = try PointsStore.history(db, userID: userID, limit: 100)
            return LoyaltySummary(
                balance: balance,
                lifetimePoints: lifetime,
                tier: tier,
                nextTier: tier.next,
                pointsToNextTier: tier.next.map { $0.threshold - lifetime },
                history: history
            )
        }
    }

    /// The user's tier (for flash-sale early access).
    public func tier(userID: String) async throws -> LoyaltyTier {
        try await database.read { db in LoyaltyTier.forLifetime(try Self.lifetime(db, userID: userID)) }
    }

    /// An admin's correction, with its reason; a debit cannot take the balance below zero.
    public func adjust(userID: String, points: Int, reason: String) async throws -> LoyaltySummary {
        // A range check, not `abs(points)`: `abs(Int.min)` traps.
        guard points != 0, (-1_000_000...1_000_000).contains(points) else {
            throw AppError.validation(
                "The adjustment is out of range.",
                fields: ["points": "must be a non-zero whole number from -1000000 to 1000000"]
            )
        }
        let reason = try TextRule.line(200).check(reason, field: "reason")
        let now = clock.now()
        try await database.write { db in
            guard try UserRecord.exists(db, key: userID) else { throw AppError.notFound("The user") }
            if points > 0 {
                try Self.credit(db, userID: userID, kind: .adjust, points: points, orderID: nil, reason: reason, now: now)
            } else {
                try Self.debit(db, userID: userID, kind: .adjust, points: -points, orderID: nil, reason: reason, now: now)
            }
        }
        return try await summary(userID: userID)
    }

    /// Expires what is left of lots past their date; returns how many points expired.
    @discardableResult
    public func expireDue() async throws -> Int {
        let now = clock.now()
        return try await database.write { db in
            var expired = 0
            for lot in try PointsStore.openLots(db, expiredBy: now) {
                guard let lotID = lot.id else { continue }
                try PointsStore.adjustRemaining(db, lotID: lotID, by: -lot.remaining)
                try PointsStore.append(
                    db,
                    .init(userId: lot.userId, kind: .expire, points: -lot.remaining, reason: "expired after 12 months", remaining: 0, createdAt: now)
                )
                expired += lot.remaining
            }
            return expired
        }
    }

    // MARK: - Inside other transactions

    static func balance(_ db: Database, userID: String) throws -> Int {
        try PointsStore.balance(db, userID: userID)
    }

    /// Points earned, less the earnings of orders that were refunded (the tier follows this number).
    static func lifetime(_ db: Database, userID: String) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(points), 0) FROM pointsEntry WHERE userId = ? AND kind = 'earn'
                    AND NOT EXISTS (SELECT 1 FROM "order" WHERE "order".id = pointsEntry.orderId AND "order".status = 'refunded')
                """,
            arguments: [userID]
        ) ?? 0
    }

    /// Points for a delivered order, at the tier the user had before it; once per order.
    static func earn(_ db: Database, order: Order, now: Date) throws {
        let tier = LoyaltyTier.forLifetime(try lifetime(db, userID: order.userId))
        let points = LoyaltyRules.pointsEarned(paid: order.total - order.shippingFee, tier: tier)
        guard points > 0 else { return }
        try credit(db, userID: order.userId, kind: .earn, points: points, orderID: order.id, reason: "order \(order.code)", now: now)
    }

    /// Spends points at checkout (validated by the caller against the 50% rule).
    static func redeem(_ db: Database, userID: String, points: Int, orderID: String, now: Date) throws {
        guard try balance(db, userID: userID) >= points else {
            throw AppError.validation("Not enough points.", fields: ["pointsToRedeem": "is more than your balance"])
        }
        try debit(db, userID: userID, kind: .redeem, points: points, orderID: orderID, reason: nil, now: now)
    }

    /// Takes back what a refunded order earned, as far as the balance allows (points already spent stay spent).
    static func reverseEarning(_ db: Database, order: Order, now: Date) throws {
        let earned = try PointsStore.entry(db, orderID: order.id, kind: .earn)?.points ?? 0
        let points = min(earned, try balance(db, userID: order.userId))
        guard points > 0 else { return }
        try debit(db, userID: order.userId, kind: .adjust, points: points, orderID: order.id, reason: "order \(order.code) refunded", now: now)
    }

    /// Gives back the points an order redeemed (it was cancelled): each lot the redemption drew from gets its
    /// points back and keeps its original expiry. (Redemptions recorded before lots were tracked come back
    /// as a new lot.) Once per order.
    static func refund(_ db: Database, order: Order, now: Date) throws {
        guard order.pointsRedeemed > 0 else { return }
        guard try PointsStore.entry(db, orderID: order.id, kind: .refund) == nil else { return }
        let draws = try PointsStore.drawsOfRedemption(db, orderID: order.id)
        if !draws.isEmpty {
            for draw in draws { try PointsStore.adjustRemaining(db, lotID: draw.lotId, by: draw.points) }
            try PointsStore.append(
                db,
                .init(
                    userId: order.userId,
                    kind: .refund,
                    points: order.pointsRedeemed,
                    orderId: order.id,
                    reason: "order \(order.code) cancelled",
                    remaining: 0,
                    createdAt: now
                )
            )
            return
        }
        try credit(
            db,
            userID: order.userId,
            kind: .refund,
            points: order.pointsRedeemed,
            orderID: order.id,
            reason: "order \(order.code) cancelled",
            now: now
        )
    }

    static func credit(_ db: Database, userID: String, kind: PointsEntry.Kind, points: Int, orderID: String?, reason: String?, now: Date) throws {
        try PointsStore.append(
            db,
            .init(
                userId: userID,
                kind: kind,
                points: points,
                orderId: orderID,
                reason: reason,
                remaining: points,
                expiresAt: now.addingTimeInterval(LoyaltyRules.lifetime),
                createdAt: now
            )
        )
    }

    /// Takes `points` from the oldest open lots, then records the debit.
    static func debit(_ db: Database, userID: String, kind: PointsEntry.Kind, points: Int, orderID: String?, reason: String?, now: Date) throws {
        guard try balance(db, userID: userID) >= points else {
            throw AppError.validation("The balance cannot go below zero.", fields: ["points": "is more than the balance"])
        }
        var left = points
        var draws: [(Int64, Int)] = []
        for lot in try PointsStore.openLots(db, userID: userID) where left > 0 {
            guard let lotID = lot.id else { continue }
            let take = min(left, lot.remaining)
            try PointsStore.adjustRemaining(db, lotID: lotID, by: -take)
            draws.append((lotID, take))
            left -= take
        }
        let entryID = try PointsStore.append(
            db,
            .init(userId: userID, kind: kind, points: -points, orderId: orderID, reason: reason, remaining: 0, createdAt: now)
        )
        // Which lots paid, so a cancelled redemption can give each its points back with its own expiry.
        for (lotID, take) in draws { try PointsStore.recordDraw(db, entryID: entryID, lotID: lotID, points: take) }
    }
}

/// The daily job that expires points; it queues the next day's run when it finishes.
public struct PointsExpiryJob: Codable, Sendable {
    public static let kind = "loyalty.expire"
    public var day: String
}

public struct PointsExpiryJobHandler: JobHandler {
    public let kinds = [PointsExpiryJob.kind]
    let loyalty: LoyaltyService
    let jobs: JobQueue

    public init(loyalty: LoyaltyService, jobs: JobQueue) {
        self.loyalty = loyalty
        self.jobs = jobs
    }

    public func run(_ job: Job) async throws {
        try await loyalty.expireDue()
        try await Self.schedule(jobs, after: loyalty.clock.now())
    }

    /// Queues the run for the day after `date` (idempotent per day, so start-up can call it every time).
    public static func schedule(_ jobs: JobQueue, after date: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        // The shop's day (Vietnam, UTC+7 without daylight saving time).
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .gmt
        let next = calendar.startOfDay(for: date.addingTimeInterval(24 * 3600))
        let day = String(Int(next.timeIntervalSince1970) / 86400)
        try await jobs.enqueue(
            try JobRequest(
                queue: JobQueue.maintenance,
                kind: PointsExpiryJob.kind,
                payload: PointsExpiryJob(day: day),
                idempotencyKey: day,
                runAt: next
            )
        )
    }
}
