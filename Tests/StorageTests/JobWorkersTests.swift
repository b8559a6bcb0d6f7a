import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// A handler whose outcome per (job, attempt) is decided by a seeded coin, and which records runs.
final class FlakyHandler: JobHandler {
    let kinds = ["flaky"]
    let failureRate: Double
    let seed: UInt64
    private let runs = Mutex<[Int64: (attempts: Int, successes: Int)]>([:])

    init(failureRate: Double, seed: UInt64) {
        self.failureRate = failureRate
        self.seed = seed
    }

    var record: [Int64: (attempts: Int, successes: Int)] { runs.withLock { $0 } }

    func run(_ job: Job) async throws {
        var hash = seed ^ UInt64(job.id!) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(job.attempts) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 31
        let fails = Double(hash % 1000) / 1000 < failureRate
        runs.withLock { runs in
            var entry = runs[job.id!] ?? (0, 0)
            entry.attempts += 1
            if !fails { entry.successes += 1 }
            runs[job.id!] = entry
        }
        if fails { throw Flaked() }
    }

    struct Flaked: Error {}
}

/// A handler that waits until the test lets it finish.
final class GatedHandler: JobHandler {
    let kinds = ["gated"]
    private let state = Mutex<(started: Int, finished: Int, stopped: Int, open: Bool)>((0, 0, 0, false))

    var started: Int { state.withLock { $0.started } }
    var finished: Int { state.withLock { $0.finished } }
    /// Runs that ended before the gate opened (their task was cancelled).
    var stopped: Int { state.withLock { $0.stopped } }
    func open() { state.withLock { $0.open = true } }

    func run(_ job: Job) async throws {
        state.withLock { $0.started += 1 }
        do {
            try await eventually("the test opens the gate", timeout: .seconds(120)) { state.withLock { $0.open } }
        } catch {
            state.withLock { $0.stopped += 1 }
            throw error
        }
        state.withLock { $0.finished += 1 }
    }
}

@Suite struct JobWorkersTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func everyJobCompletesExactlyOnceOrDiesUnderRandomFailures(seed: UInt64) async throws {
        let clock = ManualClock()
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock, jitter: { 1 })
        let handler = FlakyHandler(failureRate: 0.4, seed: seed)
        let workers = JobWorkers(queue: queue, handlers: [handler], queues: [.init(name: "q", concurrency: 4)], pollInterval: 5)
        let running = Task { try await workers.run() }
        try await withThrowingTaskGroup(of: Void.self) { producers in
            for producer in 0..<3 {
                producers.addTask {
                    for n in 0..<20 {
                        try await queue.enqueue(JobRequest(queue: "q", kind: "flaky", payload: Ping(n: producer * 100 + n), maxAttempts: 3))
                    }
                }
            }
            try await producers.waitForAll()
        }
        try await eventually("every job completed or dead") {
            let counts = try await queue.counts()
            if counts[.queued, default: 0] + counts[.running, default: 0] == 0 { return true }
            // Time moves only while no job runs: the retries wait for it, but moving it under a running job would
            // expire that job's 30 s lease on a starved box (six steps of 5 s) and run it twice, a stall this test
            // is not about (aLongJobKeepsItsLeaseByHeartbeatAndRunsOnce and the lease tests pin that case).
            if counts[.running, default: 0] == 0 { clock.advance(by: 5) }
            return false
        }
        running.cancel()
        let jobs = try await queue.list(status: nil, queue: "q", page: PageRequest(limit: 100)).items
        #expect(jobs.count == 60)
        let record = handler.record
        for job in jobs {
            let runs = record[job.id!] ?? (0, 0)
            #expect(runs.successes <= 1, "job \(job.id!) succeeded \(runs.successes) times")
            if job.status == .completed {
                #expect(runs.successes == 1)
            } else {
                #expect(job.status == .dead && runs.successes == 0 && runs.attempts == 3 && job.attempts == 3)
            }
        }
        #expect(jobs.contains { $0.status == .dead } && jobs.contains { $0.status == .completed })
    }

    @Test func aCrashedWorkersJobRunsAgainOnceItsLeaseExpires() async throws {
        let clock = ManualClock()
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock)
        try await queue.enqueue(JobRequest(queue: "q", kind: "flaky", payload: Ping(n: 1)))
        let abandoned = try #require(try await queue.claim(queue: "q"))  // its worker "dies" here
        let handler = FlakyHandler(failureRate: 0, seed: 0)
        let running = Task {
            try await JobWorkers(queue: queue, handlers: [handler], queues: [.init(name: "q", concurrency: 2)], pollInterval: 5).run()
        }
        clock.advance(by: 5)
        try await eventually("workers polled") { clock.sleeperCount >= 2 }
        #expect(handler.record.isEmpty)
        try await eventually("the job was rescued after its lease") {
            if try await queue.counts() == [.completed: 1] { return true }
            clock.advance(by: 5)
            return false
        }
        running.cancel()
        #expect(handler.record[abandoned.id!]?.successes == 1)
        #expect(try await queue.complete(abandoned) == false)
    }

    @Test func aLongJobKeepsItsLeaseByHeartbeatAndRunsOnce() async throws {
        let clock = ManualClock()
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock)
        let handler = GatedHandler()
        let running = Task { try await JobWorkers(queue: queue, handlers: [handler], queues: [.init(name: "q", concurrency: 3)]).run() }
        try await queue.enqueue(JobRequest(queue: "q", kind: "gated", payload: Ping(n: 1)))
        try await eventually("the handler started") { handler.started == 1 }
        for _ in 0..<9 {  // 90 s: three times the lease
            let before = try await queue.list(status: .running, queue: "q", page: PageRequest()).items.first?.leaseExpiresAt
            clock.advance(by: queue.settings.leaseDuration / 3)
            try await eventually("the lease was renewed") {
                try await queue.list(status: .running, queue: "q", page: PageRequest()).items.first?.leaseExpiresAt != before
            }
        }
        #expect(handler.started == 1)
        handler.open()
        try await eventually("the job completed") { try await queue.counts() == [.completed: 1] }
        running.cancel()
        #expect(handler.finished == 1)
    }

    @Test func unknownKindsDieAtOnceWithAClearError() async throws {
        let clock = ManualClock()
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock)
        let running = Task { try await JobWorkers(queue: queue, handlers: [], queues: [.init(name: "q", concurrency: 1)]).run() }
        try await queue.enqueue(JobRequest(queue: "q", kind: "mystery", payload: Ping(n: 1)))
        try await eventually("the job died") { try await queue.counts() == [.dead: 1] }
        running.cancel()
        #expect(try await queue.list(status: .dead, queue: nil, page: PageRequest()).items.first?.lastError == "No handler for job kind mystery")
    }
}

@Suite struct JobShutdownTests {
    /// A handler still running when the workers are cancelled (shutdown past its budget) gives its job back:
    /// queued again at once, and the interrupted attempt does not count.
    @Test func aJobInterruptedByCancellationIsReleased() async throws {
        let clock = ManualClock()
        let queue = JobQueue(database: try AppDatabase.inMemory(), clock: clock)
        let handler = GatedHandler()
        let running = Task { try await JobWorkers(queue: queue, handlers: [handler], queues: [.init(name: "q", concurrency: 1)]).run() }
        try await queue.enqueue(JobRequest(queue: "q", kind: "gated", payload: Ping(n: 1)))
        try await eventually("the handler started") { handler.started == 1 }
        running.cancel()
        _ = try? await running.value
        let jobs = try await queue.list(status: nil, queue: "q", page: PageRequest()).items
        #expect(jobs.count == 1 && jobs[0].status == .queued && jobs[0].attempts == 0 && jobs[0].leaseToken == nil)
        #expect(handler.finished == 0)
    }
}
