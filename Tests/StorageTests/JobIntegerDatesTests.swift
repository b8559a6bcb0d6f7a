import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// `v19_jobs_integer_dates`: the jobs of a database written before it (every status, GRDB's text dates) keep every date,
/// now as milliseconds, and the queue claims, prunes and lists them as before; a text date can no longer be stored.
@Suite struct JobIntegerDatesTests {
    private struct Old {
        let payload: String
        let status: String
        var priority = 0
        var runAt: TimeInterval = 0
        var lease: TimeInterval?
        var completed: TimeInterval?
    }

    /// Jobs as the queue wrote them before the migration (dates relative to the clock's now, in seconds).
    private let old = [
        Old(payload: "due", status: "queued", runAt: -10.25),
        Old(payload: "urgent", status: "queued", priority: 5, runAt: -5),
        Old(payload: "earlier", status: "queued", runAt: -20.001),
        Old(payload: "future", status: "queued", runAt: 60),
        Old(payload: "expired", status: "running", priority: 9, runAt: -100, lease: -0.5),
        Old(payload: "held", status: "running", runAt: -100, lease: 30),
        Old(payload: "old", status: "completed", runAt: -9 * 86_400, completed: -8 * 86_400),
        Old(payload: "recent", status: "completed", runAt: -86_400, completed: -3_600),
        Old(payload: "dead", status: "dead", runAt: -7_200),
    ]

    @Test func everyDateOfEveryJobIsKeptAndTheClaimTakesThemInOrder() async throws {
        let clock = ManualClock()
        let now = clock.now()
        func text(_ offset: TimeInterval?) -> DatabaseValue { offset.map { DatabaseTimestamp.value(now.addingTimeInterval($0)) } ?? .null }
        let inserts: [StatementArguments] = old.map { job in
            [
                job.payload, job.priority, job.status, text(job.runAt), job.lease.map { _ in "token" }, text(job.lease),
                text(job.runAt - 1), text(job.completed ?? job.runAt), text(job.completed),
            ]
        }
        let writer = try DatabaseQueue(configuration: AppDatabase.makeConfiguration())
        try AppMigrations.migrator.migrate(writer, upTo: "v18_reservation_on_order_index")
        try await writer.write { db in
            for arguments in inserts {
                try db.execute(
                    sql: """
                        INSERT INTO job (queue, kind, payload, priority, status, attempts, maxAttempts, runAt, leaseToken, leaseExpiresAt,
                            createdAt, updatedAt, completedAt)
                        VALUES ('q', 'k', ?, ?, ?, 1, 3, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: arguments
                )
            }
        }
        let database = try AppDatabase(writer, path: nil)
        // Each job's five dates, as stored (nil where NULL or not an integer).
        let stored = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job ORDER BY id").reduce(into: [String: [Int64?]]()) { dates, row in
                dates[row["payload"]] = ["runAt", "leaseExpiresAt", "createdAt", "updatedAt", "completedAt"].map { column -> Int64? in
                    if case .int64(let millis) = (row[column] as DatabaseValue).storage { return millis }
                    return nil
                }
            }
        }
        func millis(_ offset: TimeInterval?) -> Int64? { offset.map { JobTime.millis(now.addingTimeInterval($0)) } }
        for job in old {
            let expected = [millis(job.runAt), millis(job.lease), millis(job.runAt - 1), millis(job.completed ?? job.runAt), millis(job.completed)]
            #expect(stored[job.payload] == expected, "\(job.payload)")
        }

        let queue = JobQueue(database: database, clock: clock, jitter: { 1 })
        let claimed = try await queue.claim(queue: "q", limit: 10)
        #expect(claimed.map(\.payload) == ["expired", "urgent", "earlier", "due"])
        #expect(claimed.first?.runAt == now.addingTimeInterval(-100) && claimed.first?.leaseExpiresAt == now.addingTimeInterval(30))
        #expect(try await queue.pruneCompleted() == 1)
        let dead = try await queue.list(status: .dead, queue: nil, page: PageRequest()).items
        #expect(dead.map(\.payload) == ["dead"] && dead.first?.updatedAt == now.addingTimeInterval(-7_200))
        #expect(try await queue.counts() == [.queued: 1, .running: 5, .completed: 1, .dead: 1])
    }

    /// The table refuses a date in any form but an integer: a writer that bound a `Date` (GRDB's text) fails at once.
    @Test func aTextDateIsRefused() async throws {
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock(), jitter: { 1 })
        let id = try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)))
        for column in ["runAt", "leaseExpiresAt", "createdAt", "updatedAt", "completedAt"] {
            await #expect(throws: DatabaseError.self, "\(column)") {
                try await queue.database.writer.write { db in
                    try db.execute(sql: "UPDATE job SET \(column) = ? WHERE id = ?", arguments: [Date(), id])
                }
            }
        }
    }
}
