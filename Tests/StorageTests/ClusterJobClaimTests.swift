import Foundation
import Synchronization
import Testing

@testable import Storage

/// Which jobs the workers claimed, and how many of their completions were refused.
private final class ClaimLog: Sendable {
    private let state = Mutex<(counts: [Int64: Int], refused: Int)>(([:], 0))

    func record(_ id: Int64, completed: Bool) {
        state.withLock { state in
            state.counts[id, default: 0] += 1
            if !completed { state.refused += 1 }
        }
    }

    var counts: [Int64: Int] { state.withLock { $0.counts } }
    var refusedCompletions: Int { state.withLock { $0.refused } }
}

/// Cluster mode runs job workers in every instance, each with its own connection pool on one SQLite file. The lease
/// (a conditional `UPDATE … RETURNING` in one write transaction) is what makes that safe: these tests pin it.
@Suite struct ClusterJobClaimTests {
    /// Two instances (two pools on one file), four claimers each, racing over 300 jobs.
    @Test func workersOfTwoInstancesClaimEveryJobExactlyOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-jobs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AppDatabase.open(directory: directory)
        let second = try AppDatabase.open(directory: directory)
        defer {
            try? first.close()
            try? second.close()
        }
        let clock = ManualClock()
        let queues = [JobQueue(database: first, clock: clock), JobQueue(database: second, clock: clock)]
        for n in 0..<300 { try await queues[n % 2].enqueue(JobRequest(queue: "email", kind: "ping", payload: Ping(n: n))) }
        let claims = ClaimLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                let queue = queues[index % 2]
                group.addTask {
                    while let job = try await queue.claim(queue: "email") {
                        claims.record(job.id ?? -1, completed: try await queue.complete(job))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(claims.refusedCompletions == 0)
        let counted = claims.counts
        #expect(counted.count == 300)
        #expect(counted.values.allSatisfy { $0 == 1 })
    }

    /// An instance whose lease ran out (it stalled, or was killed) loses the job to another; its late "done" is refused.
    @Test func aStaleInstancesCompletionIsRefusedAfterAnotherInstanceReclaimedTheJob() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-lease-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AppDatabase.open(directory: directory)
        let second = try AppDatabase.open(directory: directory)
        defer {
            try? first.close()
            try? second.close()
        }
        let clock = ManualClock()
        let a = JobQueue(database: first, clock: clock)
        let b = JobQueue(database: second, clock: clock)
        try await a.enqueue(JobRequest(queue: "email", kind: "ping", payload: Ping(n: 1)))
        let stale = try #require(try await a.claim(queue: "email"))
        #expect(try await b.claim(queue: "email") == nil)  // leased: the other instance cannot take it
        clock.advance(by: a.settings.leaseDuration + 1)
        let reclaimed = try #require(try await b.claim(queue: "email"))
        #expect(reclaimed.id == stale.id)
        #expect(try await a.complete(stale) == false)
        #expect(try await a.heartbeat(stale) == false)
        #expect(try await b.complete(reclaimed))
    }
}
