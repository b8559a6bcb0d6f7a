import Foundation
import GRDB

extension JobQueue {
    /// Extends the leases of claimed jobs in one transaction; answers the ids whose claim still held
    /// (the others expired and may have been taken by another worker).
    public func renewLeases(_ jobs: [Job]) async throws -> Set<Int64> {
        guard !jobs.isEmpty else { return [] }
        let now = JobTime.value(clock.now())
        let expiry = JobTime.value(clock.now().addingTimeInterval(settings.leaseDuration))
        return try await database.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE job SET leaseExpiresAt = ?, updatedAt = ? WHERE id = ? AND leaseToken = ? AND status = 'running'"
            )
            var renewed: Set<Int64> = []
            for job in jobs {
                guard let id = job.id else { continue }
                try statement.execute(arguments: [expiry, now, id, job.leaseToken])
                if db.changesCount == 1 { renewed.insert(id) }
            }
            return renewed
        }
    }

    /// Marks several claimed jobs done in one transaction, each on the same condition as ``complete(_:scrubPayload:)``
    /// (its own lease token, still running); answers the ids that were completed. A stale claim changes nothing.
    @discardableResult
    public func complete(_ finished: [(job: Job, scrubPayload: Bool)]) async throws -> Set<Int64> {
        guard !finished.isEmpty else { return [] }
        let now = completionStamp()
        return try await database.write { db in
            var completed: Set<Int64> = []
            for (job, scrub) in finished {
                guard let id = job.id, try self.complete(db, job, scrubPayload: scrub, stamp: now) else { continue }
                completed.insert(id)
            }
            return completed
        }
    }

    /// The moment of a completion, in the job table's stored form (built only here, for every completing caller).
    func completionStamp() -> DatabaseValue {
        JobTime.value(clock.now())
    }

    /// Marks one claimed job done inside the caller's write transaction, on the same condition as
    /// ``complete(_:scrubPayload:)``; false (and no change) when the claim is stale. `stamp` is the moment in its stored form.
    /// A handler records its own job's completion through this, in its last write (``JobCompletion``).
    func complete(_ db: Database, _ job: Job, scrubPayload: Bool, stamp: DatabaseValue) throws -> Bool {
        guard let id = job.id else { return false }
        try db.cachedStatement(
            sql: """
                UPDATE job SET status = 'completed', completedAt = ?, updatedAt = ?, leaseToken = NULL, leaseExpiresAt = NULL,
                    lastError = NULL, payload = CASE WHEN ? THEN '{}' ELSE payload END
                WHERE id = ? AND leaseToken = ? AND status = 'running'
                """
        ).execute(arguments: [stamp, stamp, scrubPayload, id, job.leaseToken])
        return db.changesCount == 1
    }

    /// Gives several claimed jobs back unstarted, in one transaction, each on its own claim as in ``release(_:)``
    /// (the attempt does not count); wakes the queue's workers once committed. Answers the ids given back.
    @discardableResult
    public func release(_ jobs: [Job]) async throws -> Set<Int64> {
        guard let queueName = jobs.first?.queue else { return [] }
        let now = JobTime.value(clock.now())
        return try await database.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE job SET status = 'queued', attempts = MAX(attempts - 1, 0), runAt = ?, updatedAt = ?, leaseToken = NULL,
                        leaseExpiresAt = NULL
                    WHERE id = ? AND leaseToken = ? AND status = 'running'
                    """
            )
            var released: Set<Int64> = []
            for job in jobs {
                guard let id = job.id else { continue }
                try statement.execute(arguments: [now, now, id, job.leaseToken])
                if db.changesCount == 1 { released.insert(id) }
            }
            if !released.isEmpty { self.wakeAfterCommit(db, queue: queueName) }
            return released
        }
    }
}
