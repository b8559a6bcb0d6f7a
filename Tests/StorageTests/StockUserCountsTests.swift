import Foundation
import Synchronization
import Testing

@testable import Storage

/// Per-user counts: a user's first units, added by two threads at the same moment, land in one count.
@Suite struct StockUserCountsTests {
    /// Two threads released together add units for the same new users in the same order, so their first adds meet (each
    /// may miss the other's count, not yet added, and go to the lock). With a limit of one, exactly one of the two adds
    /// is granted and the user's count holds it: a second count made for the same user would grant both.
    @Test func firstAddsOfOneUserOnTwoThreadsShareOneCount() {
        let limit = 1
        for _ in 0..<100 {
            let counts = StockUserCounts([:])
            let users = (0..<64).map { "user-\($0)" }
            let granted = OnTwoThreads.run { users.map { counts.add(1, for: $0, upTo: limit) ? 1 : 0 } }
            for (index, user) in users.enumerated() {
                let given = granted.0[index] + granted.1[index]
                #expect(given == 1 && counts.count(for: user) == 1, "\(user): \(given) granted")
            }
        }
    }

    /// The id hash spreads ids over the low bits the tables pick buckets from: 4,096 UUIDs over 8,192 buckets take about
    /// 3,200 of them (a hash that dropped part of the id would crowd them), and ids of one byte repeated 0-40 times
    /// (every tail length) all hash apart.
    @Test func userIDHashesSpreadOverTheLowBits() {
        let seed = UserIDHash.newSeed()
        let buckets = Set((0..<4_096).map { _ in UserIDHash.of(UUID().uuidString.lowercased(), seed: seed) & 8_191 })
        #expect(buckets.count > 2_800)
        let alike = Set((0...40).map { UserIDHash.of(String(repeating: "7", count: $0), seed: seed) })
        #expect(alike.count == 41)
    }
}

/// Two threads started at one line: each waits until both are running, runs the body, and leaves its answer.
private final class OnTwoThreads: Sendable {
    private let arrived = Atomic(0)
    private let answers = Mutex([[Int]](repeating: [], count: 2))
    private let done = DispatchSemaphore(value: 0)

    /// Runs `body` on two new threads at once and returns both answers.
    static func run(_ body: @escaping @Sendable () -> [Int]) -> ([Int], [Int]) {
        let line = OnTwoThreads()
        for side in 0..<2 {
            Thread {
                line.arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
                while line.arrived.load(ordering: .acquiring) < 2 { sched_yield() }
                let answer = body()
                line.answers.withLock { $0[side] = answer }
                line.done.signal()
            }.start()
        }
        line.done.wait()
        line.done.wait()
        return line.answers.withLock { ($0[0], $0[1]) }
    }
}
