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

    /// While a batch's first job runs long, the batch's waiting jobs keep their leases too: no other worker can
    /// take them, and each runs once.
    @Test func aBatchKeepsTheLeasesOfItsWaitingJobsSoNobodyElseRunsThem() async throws {
        let (queue, clock) = try makeQueue()
        let handler = GatedHandler()
        let workers = JobWorkers(queue: queue, handlers: [handler], queues: [])
        try await queue.enqueue((1...3).map { try JobRequest(queue: "q", kind: "gated", payload: Ping(n: $0)) })
        let draining = Task { try await workers.drain(queue: "q") }
        try await eventually("the first job started") { handler.started == 1 }
        for step in 1...9 {  // three leases long
            clock.advance(by: queue.settings.leaseDuration / 3)
            let expected = clock.now().addingTimeInterval(queue.settings.leaseDuration)
            try await eventually("step \(step): every lease of the batch was renewed") {
                let running = try await queue.list(status: .running, queue: "q", page: PageRequest()).items
                return running.count == 3 && running.allSatisfy { $0.leaseExpiresAt == expected }
            }
            #expect(try await queue.claim(queue: "q") == nil)
        }
        handler.open()
        #expect(try await draining.value == 3)
        #expect(handler.started == 3 && handler.finished == 3)
        #expect(try await queue.counts() == [.completed: 3])
    }

    /// Concurrent own-transaction enqueues share commits, but one caller's failure stays its own.
    @Test func aFailingEnqueueInAGroupCommitFailsOnlyItsCaller() async throws {
        let (queue, _) = try makeQueue()
        try await queue.database.writer.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER poison BEFORE INSERT ON job WHEN NEW.kind = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END")
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<40 {
                group.addTask {
                    let kind = n % 10 == 3 ? "poison" : "k"
                    return (try? await queue.enqueue(JobRequest(queue: "q", kind: kind, payload: Ping(n: n)))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 36 && outcomes.filter { !$0 }.count == 4)
        #expect(try await queue.counts() == [.queued: 36])
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
