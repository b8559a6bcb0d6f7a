import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

struct Ping: Codable, Equatable { var n: Int }

private func makeQueue(_ database: AppDatabase? = nil, clock: ManualClock = ManualClock(), jitter: Double = 1) throws -> (JobQueue, ManualClock) {
    let queue = JobQueue(database: try database ?? AppDatabase.inMemory(), clock: clock, jitter: { jitter })
    return (queue, clock)
}

@Suite struct JobQueueTests {
    @Test func aJobExistsIfAndOnlyIfItsTransactionCommitted() async throws {
        let (queue, _) = try makeQueue()
        struct Rollback: Error {}
        await #expect(throws: Rollback.self) {
            try await queue.database.writer.write { db in
                try db.execute(sql: "INSERT INTO appMeta (key, value) VALUES ('x', '1')")
                try queue.enqueue(db, JobRequest(queue: "email", kind: "ping", payload: Ping(n: 1)))
                throw Rollback()
            }
        }
        #expect(try await queue.counts().values.reduce(0, +) == 0)
        try await queue.database.writer.write { db in
            try queue.enqueue(db, JobRequest(queue: "email", kind: "ping", payload: Ping(n: 2)))
        }
        let job = try #require(try await queue.claim(queue: "email"))
        #expect(try job.decodePayload(Ping.self) == Ping(n: 2))
    }

    @Test func commitWakesAWaitingWorkerAndRollbackDoesNot() async throws {
        let (queue, clock) = try makeQueue()
        let signal = queue.signal(for: "email")
        let woke = Task { await signal.wait(until: clock.now().addingTimeInterval(3600), clock: clock) }
        try await eventually("the worker waits on the clock") { clock.sleeperCount == 1 }
        _ = try? await queue.database.writer.write { db in
            try queue.enqueue(db, JobRequest(queue: "email", kind: "ping", payload: Ping(n: 1)))
            throw CancellationError()
        }
        try await queue.enqueue(JobRequest(queue: "email", kind: "ping", payload: Ping(n: 2)))
        await woke.value  // returns without the clock moving: the commit woke it
        #expect(clock.now() == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func idempotencyKeysMakeOneJobPerKind() async throws {
        let (queue, _) = try makeQueue()
        let first = try await queue.enqueue(JobRequest(queue: "email", kind: "welcome", payload: Ping(n: 1), idempotencyKey: "user-1"))
        let second = try await queue.enqueue(JobRequest(queue: "email", kind: "welcome", payload: Ping(n: 2), idempotencyKey: "user-1"))
        let other = try await queue.enqueue(JobRequest(queue: "email", kind: "reset", payload: Ping(n: 3), idempotencyKey: "user-1"))
        #expect(first == second && first != other)
        // The first job stands unchanged, also when the key comes again inside one transaction; nothing else is stored.
        let database = queue.database
        let again = try await database.write { db in
            try [
                queue.enqueue(db, JobRequest(queue: "other", kind: "welcome", payload: Ping(n: 4), idempotencyKey: "user-1")),
                queue.enqueue(db, JobRequest(queue: "email", kind: "welcome", payload: Ping(n: 5), idempotencyKey: "user-2")),
                queue.enqueue(db, JobRequest(queue: "email", kind: "welcome", payload: Ping(n: 6), idempotencyKey: "user-2")),
            ]
        }
        #expect(again[0] == first && again[1] == again[2] && again[1] != first && again[1] != other)
        #expect(try await queue.job(kind: "welcome", idempotencyKey: "user-1")?.decodePayload(Ping.self).n == 1)
        #expect(try await queue.job(kind: "welcome", idempotencyKey: "user-2")?.decodePayload(Ping.self).n == 5)
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job") } == 3)
    }

    @Test func priorityThenDueTimeDecideTheOrderAndFutureJobsWait() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)))
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 2), priority: 5))
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 3), runAt: clock.now().addingTimeInterval(60)))
        let high = try #require(try await queue.claim(queue: "q"))
        let normal = try #require(try await queue.claim(queue: "q"))
        #expect(try high.decodePayload(Ping.self).n == 2 && normal.decodePayload(Ping.self).n == 1)
        #expect(try await queue.claim(queue: "q") == nil)
        #expect(try await queue.complete(high))
        #expect(try await queue.complete(normal))
        #expect(try await queue.claim(queue: "other") == nil)
        clock.advance(by: 60)
        #expect(try await queue.claim(queue: "q")?.decodePayload(Ping.self).n == 3)
    }

    @Test func anExpiredLeaseMakesTheJobClaimableAndTheStaleWorkerCannotFinishIt() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)))
        let crashed = try #require(try await queue.claim(queue: "q"))
        #expect(try await queue.claim(queue: "q") == nil)
        clock.advance(by: queue.settings.leaseDuration - 1)
        #expect(try await queue.heartbeat(crashed))
        clock.advance(by: queue.settings.leaseDuration)
        let rescuer = try #require(try await queue.claim(queue: "q"))
        #expect(rescuer.id == crashed.id && rescuer.attempts == 2 && rescuer.leaseToken != crashed.leaseToken)
        #expect(try await queue.complete(crashed) == false)
        #expect(try await queue.fail(crashed, error: "late") == false)
        #expect(try await queue.heartbeat(crashed) == false)
        #expect(try await queue.complete(rescuer))
        #expect(try await queue.counts() == [.completed: 1])
    }

    /// "complete" from the owner and a re-claim after expiry race: exactly one final state wins.
    @Test func completeRacingTheReaperEndsInExactlyOneState() async throws {
        for _ in 0..<20 {
            let (queue, clock) = try makeQueue()
            try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1)))
            let owner = try #require(try await queue.claim(queue: "q"))
            clock.advance(by: queue.settings.leaseDuration + 1)
            async let completed = queue.complete(owner)
            async let reclaimed = queue.claim(queue: "q")
            let (didComplete, other) = try await (completed, reclaimed)
            #expect(didComplete != (other != nil))
            if let other { #expect(try await queue.complete(other)) }
            #expect(try await queue.counts() == [.completed: 1])
        }
    }

    @Test func failuresBackOffExponentiallyThenDieAndCanBeRetried() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 1), maxAttempts: 4))
        var delays: [TimeInterval] = []
        for _ in 1...3 {
            let job = try #require(try await queue.claim(queue: "q"))
            let failedAt = clock.now()
            #expect(try await queue.fail(job, error: "smtp 451"))
            let runAt = try #require(try await queue.database.writer.read { try Job.fetchOne($0, key: job.id) }?.runAt)
            delays.append(runAt.timeIntervalSince(failedAt))
            #expect(try await queue.claim(queue: "q") == nil)
            clock.set(to: runAt)
        }
        #expect(delays == [5, 10, 20])
        let last = try #require(try await queue.claim(queue: "q"))
        #expect(try await queue.fail(last, error: "smtp 550 mailbox unavailable"))
        let dead = try await queue.list(status: .dead, queue: nil, page: PageRequest()).items
        #expect(dead.count == 1 && dead[0].lastError == "smtp 550 mailbox unavailable" && dead[0].attempts == 4)
        let retried = try await queue.retry(id: try #require(dead[0].id))
        #expect(retried.status == .queued && retried.attempts == 0)
        #expect(try await queue.claim(queue: "q") != nil)
        await #expect(throws: AppError.self) { try await queue.retry(id: try #require(dead[0].id)) }
    }

    @Test func backoffIsCappedAndJittered() throws {
        let low = JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock(), jitter: { 0.75 })
        let high = JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock(), jitter: { 1.25 })
        #expect(low.backoff(afterAttempt: 1) == 3.75 && high.backoff(afterAttempt: 1) == 6.25)
        #expect(low.backoff(afterAttempt: 30) == 2700 && high.backoff(afterAttempt: 30) == 4500)
        let real = JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock())
        for attempt in 1...12 {
            let delay = real.backoff(afterAttempt: attempt)
            let base = min(5 * pow(2, Double(attempt - 1)), 3600)
            #expect(delay >= base * 0.75 && delay <= base * 1.25)
        }
    }

    @Test func completedJobsArePrunedAfterRetentionAndSecretsScrubbed() async throws {
        let (queue, clock) = try makeQueue()
        try await queue.enqueue(JobRequest(queue: "q", kind: "k", payload: ["link": "https://shop/reset#token=secret"]))
        let job = try #require(try await queue.claim(queue: "q"))
        #expect(try await queue.complete(job, scrubPayload: true))
        #expect(try await queue.database.writer.read { try String.fetchOne($0, sql: "SELECT payload FROM job") } == "{}")
        #expect(try await queue.pruneCompleted() == 0)
        clock.advance(by: queue.settings.retention + 1)
        #expect(try await queue.pruneCompleted() == 1)
    }

    /// Eight claimers on two pools over one file (two processes' worth) take 400 jobs: each exactly once,
    /// and no SQLITE_BUSY reaches them.
    @Test func concurrentClaimersOnOneFileTakeEveryJobExactlyOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AppDatabase.open(directory: directory)
        let second = try AppDatabase.open(directory: directory)
        defer {
            try? first.close()
            try? second.close()
        }
        let clock = ManualClock()
        let queues = [JobQueue(database: first, clock: clock), JobQueue(database: second, clock: clock)]
        try await first.writer.write { db in
            for n in 0..<400 { try queues[0].enqueue(db, JobRequest(queue: "q", kind: "k", payload: Ping(n: n))) }
        }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for index in 0..<8 {
                let queue = queues[index % 2]
                group.addTask {
                    var mine: [Int64] = []
                    while let job = try await queue.claim(queue: "q") {
                        mine.append(job.id!)
                        #expect(try await queue.complete(job))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 400)
        #expect(Set(claimed).count == 400)
        #expect(try await queues[1].counts() == [.completed: 400])
    }
}
