import Foundation
import GRDB

/// How many jobs of one queue are in one status.
public struct JobCount: Sendable, Equatable, Codable {
    public var queue: String
    public var status: JobStatus
    public var count: Int
}

extension JobQueue {
    /// Counts per queue and status, every status of every known queue listed (zeros included), queues by name.
    public func countsByQueue() async throws -> [JobCount] {
        try await database.read { db in
            var found: [String: [JobStatus: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT queue, status, COUNT(*) AS n FROM job GROUP BY queue, status") {
                let raw: String = row["status"]
                guard let status = JobStatus(rawValue: raw) else {
                    throw AppError(.internalError, "A job holds a status this server does not know.")
                }
                found[row["queue"], default: [:]][status] = row["n"]
            }
            for queue in [EmailJob.queue, BroadcastJob.queue] where found[queue] == nil { found[queue] = [:] }
            return found.keys.sorted().flatMap { queue in
                JobStatus.allCases.map { JobCount(queue: queue, status: $0, count: found[queue]?[$0] ?? 0) }
            }
        }
    }
}

extension JobQueue {
    /// The job of `kind` enqueued under `idempotencyKey`, if there is one.
    public func job(kind: String, idempotencyKey: String) async throws -> Job? {
        try await database.read { db in
            try Job.filter(Column("kind") == kind && Column("idempotencyKey") == idempotencyKey).fetchOne(db)
        }
    }
}
