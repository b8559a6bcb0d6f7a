import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// The `job` table after `v16_jobs_partial_indexes` (fewer index writes per enqueue) and the multi-row bulk
/// enqueue: same rows, same ids, same dedupe, and every query of the queue still reads an index.
@Suite struct JobIndexTests {
    private func makeQueue() throws -> JobQueue {
        JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock(), jitter: { 1 })
    }

    private func plan(_ queue: JobQueue, _ sql: String, _ arguments: StatementArguments = []) async throws -> String {
        try await queue.database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String? ?? "" }
        }.joined(separator: " | ")
    }

    /// The table rebuild keeps every job and the `AUTOINCREMENT` counter: an id handed out before (here the newest
    /// job's, deleted) is never handed out again — a reused id would let a new email look already sent.
    @Test func theRebuildKeepsTheJobsAndNeverReusesAnId() throws {
        let writer = try DatabaseQueue(configuration: AppDatabase.makeConfiguration())
        try AppMigrations.migrator.migrate(writer, upTo: "v15_ledger_live_reservations_index")
        try writer.write { db in
            for n in 1...3 {
                try db.execute(
                    sql: """
                        INSERT INTO job (queue, kind, payload, idempotencyKey, status, maxAttempts, runAt, createdAt, updatedAt)
                        VALUES ('q', 'k', ?, ?, 'queued', 1, '2026-01-01', '2026-01-01', '2026-01-01')
                        """,
                    arguments: ["{\"n\":\(n)}", n == 1 ? "key" : nil]
                )
            }
            try db.execute(sql: "DELETE FROM job WHERE id = 3")
        }
        let database = try AppDatabase(writer, path: nil)
        let ids = try writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM job ORDER BY id") }
        #expect(ids == [1, 2])
        let queue = JobQueue(database: database, clock: ManualClock(), jitter: { 1 })
        #expect(try queue.database.writer.write { db in try queue.enqueue(db, JobRequest(queue: "q", kind: "k", payload: Ping(n: 4))) } == 4)
        let keyed = try JobRequest(queue: "q", kind: "k", payload: Ping(n: 5), idempotencyKey: "key")
        #expect(try queue.database.writer.write { db in try queue.enqueue(db, keyed) } == 1)
    }

    /// A key is unique per kind in the table itself (the partial index), not only through the enqueue's lookup;
    /// any number of jobs have no key.
    @Test func theIdempotencyIndexRefusesASecondJobWithTheSameKindAndKey() async throws {
        let queue = try makeQueue()
        try await queue.enqueue([
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)), JobRequest(queue: "q", kind: "k", payload: Ping(n: 2)),
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 3), idempotencyKey: "a"),
        ])
        let insert = """
            INSERT INTO job (queue, kind, payload, idempotencyKey, status, maxAttempts, runAt, createdAt, updatedAt)
            VALUES ('q', 'k', '{}', ?, 'queued', 1, 1767225600000, 1767225600000, 1767225600000)
            """
        await #expect(throws: DatabaseError.self) { try await queue.database.writer.write { try $0.execute(sql: insert, arguments: ["a"]) } }
        try await queue.database.writer.write { try $0.execute(sql: insert, arguments: ["b"]) }
        try await queue.database.writer.write { try $0.execute(sql: insert, arguments: [nil]) }
        #expect(try await queue.database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM job") } == 5)
    }

    /// The dedupe lookup, pruning and the admin's dead jobs each read an index (no scan of the table).
    @Test func theQueuesLookupsReadTheirIndexes() async throws {
        let queue = try makeQueue()
        let dedupe = try await plan(queue, "SELECT id FROM job WHERE kind = ? AND idempotencyKey = ?", ["k", "a"])
        #expect(dedupe.contains("INDEX job_idempotency"), "\(dedupe)")
        let prune = try await plan(queue, "DELETE FROM job WHERE status = 'completed' AND completedAt < ?", [JobTime.value(Date())])
        #expect(prune.contains("INDEX job_completed"), "\(prune)")
        let dead = try await plan(
            queue,
            "SELECT id, queue, kind, lastError, updatedAt FROM job WHERE status = 'dead' ORDER BY updatedAt DESC, id DESC LIMIT 5"
        )
        #expect(dead.contains("INDEX job_dead") && !dead.contains("TEMP B-TREE"), "\(dead)")
        let deadCount = try await plan(queue, "SELECT COUNT(*) FROM job WHERE status = 'dead'")
        #expect(deadCount.contains("INDEX job_dead"), "\(deadCount)")
    }

    /// A bulk enqueue longer than one multi-row `INSERT`, with keyed jobs between the runs (one key twice): every
    /// id answers its own request, in order, and the repeated key answers the first job's id.
    @Test func aBulkEnqueueAnswersEachRequestsIdInOrderAcrossChunksAndKeys() async throws {
        let queue = try makeQueue()
        let count = 2 * JobQueue.bulkInsertRows + 7
        var requests = try (0..<count).map { try JobRequest(queue: "q", kind: "k", payload: Ping(n: $0)) }
        requests[5].idempotencyKey = "a"
        requests[JobQueue.bulkInsertRows + 3].idempotencyKey = "b"
        requests[count - 2].idempotencyKey = "a"
        let ids = try await queue.enqueue(requests)
        #expect(ids.count == count)
        let payloads = try await queue.database.writer.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, payload FROM job").map { ($0["id"] as Int64, $0["payload"] as String) }
            )
        }
        #expect(payloads.count == count - 1)
        for (index, id) in ids.enumerated() {
            let expected = index == count - 2 ? 5 : index
            #expect(try JSONDecoder().decode(Ping.self, from: Data((payloads[id] ?? "").utf8)).n == expected, "request \(index)")
        }
        #expect(ids[count - 2] == ids[5])
    }

    /// Without a trigger on `job`, a bulk statement's ids are computed from the last one (the test above); with a trigger
    /// that writes another job after each row, they are read back, and each request still gets its own job's id.
    /// (`Job`: SQLite keeps the table's name as the trigger spelled it, and names are not case-sensitive.)
    @Test(arguments: ["job", "Job"])
    func aBulkEnqueueBesideATriggerThatAddsJobsStillAnswersEachRequestsId(spelled table: String) async throws {
        let queue = try makeQueue()
        try await queue.database.writer.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER echo AFTER INSERT ON \(table) WHEN NEW.kind = 'k' BEGIN
                        INSERT INTO job (queue, kind, payload, status, maxAttempts, runAt, createdAt, updatedAt)
                        VALUES ('echoes', 'echo', NEW.payload, 'queued', 1, NEW.runAt, NEW.createdAt, NEW.updatedAt);
                    END
                    """
            )
        }
        let requests = try (0..<300).map { try JobRequest(queue: "q", kind: "k", payload: Ping(n: $0)) }
        let ids = try await queue.enqueue(requests)
        let jobs = try await queue.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind || ' ' || payload AS job FROM job")
                .reduce(into: [Int64: String]()) { $0[$1["id"]] = $1["job"] }
        }
        #expect(jobs.count == 600 && ids.count == 300)
        for (index, id) in ids.enumerated() { #expect(jobs[id] == "k {\"n\":\(index)}", "request \(index)") }
    }

    /// A bulk enqueue is all or none, and its jobs carry the request's fields and the one stamp.
    @Test func aBulkEnqueueIsAllOrNoneAndStoresEveryField() async throws {
        let queue = try makeQueue()
        let later = Date(timeIntervalSince1970: 1_900_000_000.123)
        try await queue.enqueue([JobRequest(queue: "q2", kind: "k2", payload: Ping(n: 1), priority: 7, runAt: later, maxAttempts: 0)])
        let row = try #require(try await queue.database.writer.read { try Row.fetchOne($0, sql: "SELECT * FROM job") })
        #expect(row["queue"] as String == "q2" && row["kind"] as String == "k2" && row["priority"] as Int == 7)
        #expect(row["maxAttempts"] as Int == 1 && row["status"] as String == "queued" && row["attempts"] as Int == 0)
        #expect(row["runAt"] as Int64 == 1_900_000_000_123)
        #expect(row["createdAt"] as Int64 == row["updatedAt"] as Int64)
        // Row 99 of 100 is refused (in the second multi-row INSERT): none of the 100 stays.
        let failing = try (0..<100).map { try JobRequest(queue: "q", kind: "k", payload: Ping(n: $0)) }
        let refuse = "CREATE TRIGGER refuse BEFORE INSERT ON job WHEN NEW.payload = '{\"n\":99}' BEGIN SELECT RAISE(ABORT, 'no'); END"
        try await queue.database.writer.write { try $0.execute(sql: refuse) }
        await #expect(throws: (any Error).self) { try await queue.enqueue(failing) }
        #expect(try await queue.database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM job") } == 1)
    }

    /// A run of jobs that differ only in their payload is stored by the statement that binds the rest once; a job that
    /// differs in anything else (queue, kind, priority, attempts, due time or none, a key), wherever it falls in a run,
    /// is stored with its own fields, and every id still answers its own request.
    @Test func aBulkEnqueueStoresEachJobsOwnFieldsWhetherItsRunSharesThemOrNot() async throws {
        let queue = try makeQueue()
        let later = Date(timeIntervalSince1970: 1_900_000_000.123)
        let base = try JobRequest(queue: "q", kind: "k", payload: Ping(n: 0), priority: 3, runAt: later, maxAttempts: 5)
        let variants: [(inout JobRequest, Int) -> Void] = [
            { r, _ in r.queue = "q2" }, { r, _ in r.kind = "k2" }, { r, _ in r.priority = 4 }, { r, _ in r.maxAttempts = 6 },
            { r, _ in r.runAt = nil }, { r, _ in r.runAt = later.addingTimeInterval(1) }, { r, n in r.idempotencyKey = "key\(n)" },
        ]
        // 300 alike (a full statement of the shared form and smaller ones), then a variant every 7th job, then 20 variants in a row.
        let requests = (0..<(300 + 7 * 3 * variants.count + 20)).map { n in
            var request = base
            request.payload = "{\"n\":\(n)}"
            let variant = n >= 300 + 7 * 3 * variants.count ? n : (n >= 300 && n % 7 == 3 ? n / 7 : nil)
            if let variant { variants[variant % variants.count](&request, n) }
            return request
        }
        let ids = try await queue.enqueue(requests)
        let stamp = JobTime.value(queue.clock.now())
        let rows = try await queue.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job").reduce(into: [Int64: Row]()) { $0[$1["id"]] = $1 }
        }
        #expect(rows.count == requests.count && ids.count == requests.count)
        for (request, id) in zip(requests, ids) {
            let row = try #require(rows[id])
            #expect(row["payload"] as String == request.payload)
            #expect(row["queue"] as String == request.queue && row["kind"] as String == request.kind, "\(request.payload)")
            #expect(row["priority"] as Int == request.priority && row["maxAttempts"] as Int == request.maxAttempts, "\(request.payload)")
            #expect(row["runAt"] as DatabaseValue == request.runAt.map(JobTime.value) ?? stamp, "\(request.payload)")
            #expect(row["idempotencyKey"] as String? == request.idempotencyKey && row["createdAt"] as DatabaseValue == stamp)
        }
    }
}
