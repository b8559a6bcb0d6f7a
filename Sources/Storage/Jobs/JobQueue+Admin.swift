import Foundation
import GRDB

extension JobQueue {
    /// Jobs for the admin, newest first unless `sort` says otherwise, optionally of one status and queue.
    public func list(status: JobStatus?, queue: String?, sort: ListSort<JobSortKey> = .newestJobs, page: PageRequest) async throws -> Page<Job> {
        try await database.read { db in
            var request = Job.all()
            if let status { request = request.filter(Column("status") == status.rawValue) }
            if let queue { request = request.filter(Column("queue") == queue) }
            let total = try request.fetchCount(db)
            let jobs = try request.order(sql: sort.orderBy).limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: jobs, request: page, total: total)
        }
    }

    /// Puts a dead job back in the queue with a fresh set of attempts. Only dead jobs can be retried (409).
    public func retry(id: Int64) async throws -> Job {
        let now = clock.now()
        return try await database.write { db in
            guard let job = try Job.fetchOne(db, key: id) else { throw AppError.notFound("The job") }
            guard job.status == .dead else { throw AppError(.conflict, "Only dead jobs can be retried; this one is \(job.status.rawValue).") }
            try db.execute(
                sql: "UPDATE job SET status = 'queued', attempts = 0, runAt = ?, updatedAt = ? WHERE id = ?",
                arguments: [JobTime.value(now), JobTime.value(now), id]
            )
            let signal = self.signal(for: job.queue)
            db.afterNextTransaction { _ in signal.notify() }
            guard let retried = try Job.fetchOne(db, key: id) else { throw AppError.notFound("The job") }
            return retried
        }
    }

    /// Deletes completed jobs older than the retention period; returns how many.
    @discardableResult
    public func pruneCompleted() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-settings.retention)
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM job WHERE status = 'completed' AND completedAt < ?", arguments: [JobTime.value(cutoff)])
            return db.changesCount
        }
    }

    /// Counts per status (for admin stats and metrics).
    public func counts() async throws -> [JobStatus: Int] {
        try await database.read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }
}
