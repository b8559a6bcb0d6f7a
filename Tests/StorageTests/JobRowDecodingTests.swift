import Foundation
import GRDB
import Testing

@testable import Storage

/// `Job(row:)` is written by hand (a claim decodes every job it leases): it reads what GRDB's `Decodable` reading of the
/// same row gives, field for field and date for date, by position (`SELECT *`, the claim's `RETURNING *`) and by name.
@Suite struct JobRowDecodingTests {
    /// GRDB's own `Decodable` reading of a job row: the reference.
    private struct DecodedJob: Decodable, FetchableRecord {
        var id: Int64?
        var queue: String
        var kind: String
        var payload: String
        var idempotencyKey: String?
        var priority: Int
        var status: JobStatus
        var attempts: Int
        var maxAttempts: Int
        var runAt: Date
        var leaseToken: String?
        var leaseExpiresAt: Date?
        var lastError: String?
        var createdAt: Date
        var updatedAt: Date
        var completedAt: Date?

        var job: Job {
            Job(
                id: id, queue: queue, kind: kind, payload: payload, idempotencyKey: idempotencyKey, priority: priority, status: status,
                attempts: attempts, maxAttempts: maxAttempts, runAt: runAt, leaseToken: leaseToken, leaseExpiresAt: leaseExpiresAt,
                lastError: lastError, createdAt: createdAt, updatedAt: updatedAt, completedAt: completedAt
            )
        }
    }

    /// Jobs in every status, with and without key, lease and error, at instants with millisecond fractions: claimed,
    /// completed, failed, and as `SELECT *` and by name (columns in another order, with one more) they read as GRDB reads them.
    @Test func aJobReadsAsGRDBsDecodableReadsIt() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_460_800.123))
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock, jitter: { 1 })
        for n in 0..<12 {
            try await queue.enqueue(
                JobRequest(queue: "q", kind: "k", payload: Ping(n: n), idempotencyKey: n % 2 == 0 ? "key-\(n)" : nil, priority: n % 3)
            )
            clock.advance(by: 0.0371)
        }
        let claimed = try await queue.claim(queue: "q", limit: 6)
        #expect(claimed.count == 6)
        // The claim reads its jobs from `RETURNING *`: the same jobs as GRDB reads back afterwards.
        let afterClaim = try await queue.database.writer.read { db in
            try DecodedJob.fetchAll(db, sql: "SELECT * FROM job WHERE status = 'running' ORDER BY id").map(\.job)
        }
        #expect(claimed.sorted { ($0.id ?? 0) < ($1.id ?? 0) } == afterClaim)
        clock.advance(by: 1.0009)
        _ = try await queue.complete(claimed.prefix(2).map { ($0, false) })
        _ = try await queue.fail(claimed[2], error: "boom", permanently: false)
        _ = try await queue.fail(claimed[3], error: "dead", permanently: true)
        let rows = try await queue.database.writer.read { db in
            let byPosition = try Job.fetchAll(db, sql: "SELECT * FROM job ORDER BY id")
            let reference = try DecodedJob.fetchAll(db, sql: "SELECT * FROM job ORDER BY id").map(\.job)
            let reversed = Job.columns.reversed().joined(separator: ", ")
            let byName = try Job.fetchAll(db, sql: "SELECT 1 AS extra, \(reversed) FROM job ORDER BY id")
            return (byPosition, reference, byName)
        }
        #expect(rows.1.count == 12)
        #expect(Set(rows.1.map(\.status)) == [.queued, .running, .completed, .dead])
        #expect(rows.1.contains { $0.leaseExpiresAt != nil } && rows.1.contains { $0.completedAt != nil })
        #expect(rows.0 == rows.1)
        #expect(rows.2 == rows.1)
    }

    /// A row without a required column, or with an unknown status, throws instead of making up a job.
    @Test func aRowThatIsNotAJobThrows() async throws {
        let database = try AppDatabase.inMemory()
        try await database.writer.read { db in
            #expect(throws: (any Error).self) { try Job.fetchOne(db, sql: "SELECT 1 AS id, 'q' AS queue") }
        }
        let queue = JobQueue(database: database, clock: ManualClock(), jitter: { 1 })
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)))
        try await database.writer.read { db in
            let columns = Job.columns.map { $0 == "status" ? "'lost' AS status" : $0 }.joined(separator: ", ")
            #expect(throws: (any Error).self) { try Job.fetchOne(db, sql: "SELECT \(columns) FROM job") }
            let nullRunAt = Job.columns.map { $0 == "runAt" ? "NULL AS runAt" : $0 }.joined(separator: ", ")
            #expect(throws: (any Error).self) { try Job.fetchOne(db, sql: "SELECT \(nullRunAt) FROM job") }
        }
    }
}
