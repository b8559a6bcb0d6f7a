import Foundation
import GRDB

/// The daily clean-up, on its own `maintenance` queue so that it never waits behind (or delays) email.
public struct PruningJob: Codable, Sendable, Equatable {
    public static let queue = JobQueue.maintenance
    public static let kind = "maintenance.prune"

    /// The day it runs for (days since 1970), its idempotency key: one run per day however often it is scheduled.
    public var day: String
}

/// Deletes what the shop no longer needs, each by its owner's rule, in one transaction: expired sessions, refresh
/// tokens and reset tokens, payment events older than `paymentEventRetention`, and guest carts idle for
/// `guestCartIdle`. Then queues the next day's run.
public struct PruningJobHandler: JobHandler {
    public let kinds = [PruningJob.kind]
    let database: AppDatabase
    let clock: any AppClock
    let jobs: JobQueue
    let guestCartIdle: TimeInterval
    let paymentEventRetention: TimeInterval
    let sessionRetention: TimeInterval

    public init(
        database: AppDatabase,
        clock: any AppClock,
        jobs: JobQueue,
        guestCartIdle: TimeInterval = 30 * 86400,
        paymentEventRetention: TimeInterval = 90 * 86400,
        sessionRetention: TimeInterval = 30 * 86400
    ) {
        self.database = database
        self.clock = clock
        self.jobs = jobs
        self.guestCartIdle = guestCartIdle
        self.paymentEventRetention = paymentEventRetention
        self.sessionRetention = sessionRetention
    }

    public func run(_ job: Job) async throws {
        _ = try await prune()
        try await Self.schedule(jobs, after: clock.now())
    }

    /// One pass; returns how many rows went, by kind.
    public func prune() async throws -> [String: Int] {
        let now = clock.now()
        let (guestCartIdle, paymentEventRetention, sessionRetention) = (self.guestCartIdle, self.paymentEventRetention, self.sessionRetention)
        return try await database.write { db in
            var removed = try AccountService.pruneExpired(db, now: now, retention: sessionRetention)
            removed["guestCarts"] = try CartService.pruneIdleGuestCarts(db, before: now.addingTimeInterval(-guestCartIdle))
            removed["paymentEvents"] = try PaymentStore.prune(db, before: now.addingTimeInterval(-paymentEventRetention))
            return removed
        }
    }

    /// Queues the run for 03:00 (shop time) of the day after `date`; idempotent per day, so start-up calls it every time.
    public static func schedule(_ jobs: JobQueue, after date: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .current
        let next = calendar.startOfDay(for: date.addingTimeInterval(24 * 3600)).addingTimeInterval(3 * 3600)
        let day = String(Int(next.timeIntervalSince1970) / 86400)
        try await jobs.enqueue(
            try JobRequest(queue: PruningJob.queue, kind: PruningJob.kind, payload: PruningJob(day: day), idempotencyKey: day, runAt: next)
        )
    }
}
