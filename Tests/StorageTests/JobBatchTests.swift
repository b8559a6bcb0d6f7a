import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// The queue's fast paths — batch claims and completions, group-committed and bulk enqueues, one wake-up
/// hook per transaction — keep the guarantees of the one-job-at-a-time paths.
@Suite struct JobBatchTests {
    private func makeQueue(clock: ManualClock = ManualClock()) throws -> (JobQueue, ManualClock) {
        (JobQueue(database: try AppDatabase.inMemory(), clock: clock, jitter: { 1 }), clock)
    }

    /// The claim reads the `job_claim` index in the claim's own order and stops at its limit: no temporary sort
    /// and no walk over the queue's completed jobs (with the old index every claim sorted the whole queue).
    @Test func theClaimReadsTheIndexInItsOwnOrder() async throws {
        let (queue, _) = try makeQueue()
        let plan = try await queue.database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + JobQueue.claimSQL, arguments: ["t", Date(), Date(), "q", Date(), 1, "q", Date(), 1, 1])
                .map { $0["detail"] as String? ?? "" }
        }
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        #expect(plan.filter { $0.contains("USING INDEX job_claim") || $0.contains("USING COVERING INDEX job_claim") }.count == 2, "\(plan)")
    }

    @Test func aBatchClaimTakesExpiredLeasesThenDueJobsInPriorityOrderAndLeavesFutureOnes() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 0)))
        let crashed = try #require(try await queue.claim(queue: "q"))
        clock.advance(by: queue.settings.leaseDuration + 1)
        try await queue.enqueue([
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)),
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 2), priority: 5),
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 3)),
            JobRequest(queue: "q", kind: "k", payload: Ping(n: 4), runAt: clock.now().addingTimeInterval(60)),
            JobRequest(queue: "other", kind: "k", payload: Ping(n: 5)),
        ])
        let batch = try await queue.claim(queue: "q", limit: 3)
        #expect(try batch.map { try $0.decodePayload(Ping.self).n } == [2, 0, 1])
        #expect(Set(batch.compactMap(\.leaseToken)).count == 1 && batch.allSatisfy { $0.status == .running })
        #expect(batch.first { $0.id == crashed.id }?.attempts == 2)
        let rest = try await queue.claim(queue: "q", limit: 10)
        #expect(try rest.map { try $0.decodePayload(Ping.self).n } == [3])
        #expect(try await queue.claim(queue: "q", limit: 10).isEmpty)
    }

    /// Each job of a batch completes on its own claim: a job whose lease expired and moved on is not completed
    /// by the stale batch.
    @Test func aBatchCompletionRecordsOnlyTheClaimsStillHeld() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue((1...3).map { try JobRequest(queue: "q", kind: "k", payload: Ping(n: $0)) })
        let batch = try await queue.claim(queue: "q", limit: 3)
        clock.advance(by: queue.settings.leaseDuration / 2)
        let renewed = try await queue.renewLeases(Array(batch.prefix(2)))
        #expect(renewed == Set(batch.prefix(2).compactMap(\.id)))
        clock.advance(by: queue.settings.leaseDuration / 2 + 1)
        let rescuer = try #require(try await queue.claim(queue: "q"))
        #expect(rescuer.id == batch[2].id)
        let completed = try await queue.complete(batch.map { ($0, false) })
        #expect(completed == Set(batch.prefix(2).compactMap(\.id)))
        #expect(try await queue.complete(rescuer))
        #expect(try await queue.counts() == [.completed: 3])
    }

    /// A slow handler holds back neither the completions of the batch's jobs that finished before it nor the
    /// jobs waiting behind it: the finished ones are recorded while it runs, the unstarted ones go back to the
    /// queue for other loops (their attempt not counted), and the slow job keeps its own lease. Whether a handler
    /// is slow is read on the queue's clock, which only the test moves.
    @Test func aSlowHandlerInABatchRecordsEarlierCompletionsAndGivesBackTheJobsBehindIt() async throws {
        let (queue, clock) = try makeQueue()
        let gated = GatedHandler()
        let fast = FastHandler()
        let workers = JobWorkers(queue: queue, handlers: [gated, fast], queues: [])
        let ids = try await queue.enqueue([
            JobRequest(queue: "q", kind: "fast", payload: Ping(n: 1)),
            JobRequest(queue: "q", kind: "gated", payload: Ping(n: 2)),
            JobRequest(queue: "q", kind: "fast", payload: Ping(n: 3)),
            JobRequest(queue: "q", kind: "fast", payload: Ping(n: 4)),
        ])
        let batch = try await queue.claim(queue: "q", limit: 4)
        #expect(batch.compactMap(\.id) == ids)
        let processing = Task { await workers.process(batch: batch) }
        try await eventually("the slow job started") { gated.started == 1 }
        clock.advance(by: 1)  // the slow job has run for a second: far longer than a fast one
        try await eventually("the first job's completion is recorded while the slow one runs") {
            try await stored(ids[0], in: queue)?.status == .completed
        }
        try await eventually("the jobs behind the slow one went back to the queue") {
            try await queue.counts() == [.completed: 1, .running: 1, .queued: 2]
        }
        let taken = try await queue.claim(queue: "q", limit: 10)
        #expect(taken.compactMap(\.id) == Array(ids[2...]) && taken.allSatisfy { $0.attempts == 1 })
        for step in 1...3 {  // a whole lease long
            clock.advance(by: queue.settings.leaseDuration / 3)
            let expected = clock.now().addingTimeInterval(queue.settings.leaseDuration)
            try await eventually("step \(step): the slow job's lease was renewed") {
                try await stored(ids[1], in: queue)?.leaseExpiresAt == expected
            }
        }
        gated.open()
        _ = await processing.value
        #expect(fast.runs == 1 && gated.finished == 1)
        #expect(try await queue.complete(taken.map { ($0, false) }) == Set(ids[2...]))
        #expect(try await queue.counts() == [.completed: 4])
    }

    /// A loop claims a batch only of jobs that the batch would not give back: handlers that take longer on average than
    /// the completion delay (an email's outbox `fsync`) are claimed one at a time — not 64 claimed, 63 given back and
    /// claimed again for each job.
    @Test func aLoopClaimsOneAtATimeOnceHandlersRunLongerThanABatchLetsThem() throws {
        let (queue, _) = try makeQueue()
        let workers = JobWorkers(queue: queue, handlers: [], queues: [])
        let delay = workers.completionDelay
        #expect(workers.claimLimit(after: .init(ran: 64, meanSeconds: delay / 4, gaveBack: false)) == workers.batchSize)
        #expect(workers.claimLimit(after: .init(ran: 1, meanSeconds: delay * 1.5, gaveBack: false)) == 1)
        #expect(workers.claimLimit(after: .init(ran: 1, meanSeconds: delay / 4, gaveBack: true)) == 1)
    }

    /// A lease renewal that fails (a database error, not a lost claim) leaves the job running while its lease
    /// lasts; once the lease has passed the job counts as lost: its handler is stopped and no outcome is
    /// recorded, so the job's next claim runs it again (it is neither completed nor failed by the old run).
    @Test func aJobWhoseLeaseRenewalsFailedUntilItExpiredIsStoppedAndLeftForItsNextClaim() async throws {
        let (queue, clock) = try makeQueue()
        let gated = GatedHandler()
        let workers = JobWorkers(queue: queue, handlers: [gated], queues: [])
        let id = try await queue.enqueue(JobRequest(queue: "q", kind: "gated", payload: Ping(n: 1)))
        try await queue.database.writer.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER renewals_fail BEFORE UPDATE OF leaseExpiresAt ON job
                    WHEN OLD.status = 'running' AND NEW.status = 'running' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END
                    """
            )
        }
        let batch = try await queue.claim(queue: "q", limit: 1)
        let processing = Task { await workers.process(batch: batch) }
        try await eventually("the job started") { gated.started == 1 }
        clock.advance(by: queue.settings.leaseDuration + 1)
        try await eventually("the handler of the job whose lease passed was stopped") { gated.stopped == 1 }
        _ = await processing.value
        let left = try #require(try await stored(id, in: queue))
        #expect(left.status == .running && left.attempts == 1 && left.leaseToken == batch.first?.leaseToken)
        try await queue.database.writer.write { db in try db.execute(sql: "DROP TRIGGER renewals_fail") }
        let again = try #require(try await queue.claim(queue: "q"))
        #expect(again.id == id && again.attempts == 2)
    }

    private func stored(_ id: Int64, in queue: JobQueue) async throws -> Job? {
        try await queue.database.read { db in try Job.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) }
    }

    /// One wake-up hook per transaction and queue: it fires after each commit, and a rolled-back transaction
    /// does not leave the connection's next transaction without one.
    @Test func everyCommitThatEnqueuesWakesTheWorkersOnceItsDone() async throws {
        let (queue, clock) = try makeQueue()
        let signal = queue.signal(for: "q")
        struct Rollback: Error {}
        await #expect(throws: Rollback.self) {
            try await queue.database.writer.write { db in
                for n in 0..<3 { try queue.enqueue(db, JobRequest(queue: "q", kind: "k", payload: Ping(n: n))) }
                throw Rollback()
            }
        }
        for round in 0..<3 {
            let woke = WakeFlag()
            let waiter = Task {
                await signal.wait(until: clock.now().addingTimeInterval(3600), clock: clock)
                woke.value.store(true, ordering: .relaxed)
            }
            try await eventually("round \(round): the worker waits on the clock") { clock.sleeperCount == 1 }
            try await queue.enqueue((0..<100).map { try JobRequest(queue: "q", kind: "k", payload: Ping(n: round * 100 + $0)) })
            // Woken without the clock moving: the commit woke it.
            try await eventually("round \(round): the commit woke the worker", timeout: .seconds(20)) { woke.value.load(ordering: .relaxed) }
            waiter.cancel()
            await waiter.value
        }
        #expect(try await queue.counts() == [.queued: 300])
    }
}

/// Whether a waiting task was woken (an `Atomic` cannot be captured by an escaping closure itself).
private final class WakeFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// A handler that returns at once and counts its runs.
private final class FastHandler: JobHandler {
    let kinds = ["fast"]
    private let count = Mutex(0)

    var runs: Int { count.withLock { $0 } }

    func run(_ job: Job) async throws {
        count.withLock { $0 += 1 }
    }
}
