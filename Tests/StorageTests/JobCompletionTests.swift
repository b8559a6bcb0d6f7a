import Foundation
import GRDB
import Testing

@testable import Storage

/// A handler that records its own job's completion in its write (``CompletingJobHandler``): the worker then records no
/// second completion; a write that rolls back leaves the job to the worker (failed and retried, as for any handler that
/// throws); a handler that never records is completed by the worker as before; a stale claim's record changes nothing.
@Suite struct JobCompletionTests {
    /// What the handler's one write does: record the completion, record it and then roll back, or not record it.
    enum Mode: String, Sendable, CaseIterable {
        case records, rollsBack, leavesIt
    }

    /// Writes a `sentEmail` row named after its job (the handler's own effect) and, by mode, the completion.
    struct MarkingHandler: CompletingJobHandler {
        let kinds = ["mark"]
        let database: AppDatabase
        let mode: Mode

        struct RolledBack: Error {}

        func run(_ job: Job) async throws {
            Issue.record("the worker must run a completing handler with its completion")
        }

        func run(_ job: Job, completion: JobCompletion) async throws {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO sentEmail (messageId, sentAt) VALUES (?, ?)", arguments: ["job-\(job.id ?? 0)", Date()])
                guard mode != .leavesIt else { return }
                try completion.record(db)
                if mode == .rollsBack { throw RolledBack() }
            }
        }
    }

    @Test(arguments: Mode.allCases)
    func theWorkerCompletesOnlyWhatTheHandlerDidNotCommit(mode: Mode) async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock, jitter: { 1 })
        let workers = JobWorkers(queue: queue, handlers: [MarkingHandler(database: database, mode: mode)], queues: [.init(name: "q", concurrency: 1)])
        let id = try await queue.enqueue(JobRequest(queue: "q", kind: "mark", payload: Ping(n: 1)))
        let claimed = try await queue.claim(queue: "q", limit: 1)
        let commits = CommitCounter()
        try await database.writer.write { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        let before = commits.count
        #expect(await workers.process(batch: claimed).ran == 1)
        let job = try #require(try await queue.list(status: nil, queue: "q", page: PageRequest()).items.first)
        let marked = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sentEmail") ?? 0 }
        switch mode {
        case .records:
            #expect(job.status == .completed && marked == 1)
            #expect(commits.count - before == 1, "the handler's write, which recorded the completion; no second one")
        case .rollsBack:
            #expect(job.status == .queued && job.attempts == 1 && job.lastError?.contains("RolledBack") == true && marked == 0)
        case .leavesIt:
            #expect(job.status == .completed && marked == 1)
            #expect(commits.count - before == 2, "the handler's write, then the worker's completion")
        }
        #expect(job.id == id)
    }

    /// A claim that expired and moved on: the handler's record changes nothing and reports it, its own write still
    /// commits, and the new claim's completion stands.
    @Test func aStaleClaimsRecordChangesNothingAndItsWriteStillCommits() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock)
        let handler = MarkingHandler(database: database, mode: .records)
        try await queue.enqueue(JobRequest(queue: "q", kind: "mark", payload: Ping(n: 1)))
        let first = try #require(try await queue.claim(queue: "q"))
        clock.advance(by: queue.settings.leaseDuration + 1)
        let second = try #require(try await queue.claim(queue: "q"))
        let stale = JobCompletion(queue: queue, job: first, scrubPayload: false)
        try await handler.run(first, completion: stale)
        #expect(stale.outcome == false)
        #expect(try await queue.counts() == [.running: 1])
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sentEmail") } == 1)
        #expect(try await queue.complete(second))
    }
}
