import Foundation
import GRDB
import Synchronization

/// One figure, printed as a JSON line for bench/report.py.
struct Figure: Encodable {
    var name: String
    var value: Double
    var unit: String
    var detail: String

    func emit() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if let data = try? encoder.encode(self) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}

/// Wall-clock stopwatch on the monotonic clock.
struct Stopwatch {
    private let start = ContinuousClock.now

    var elapsed: Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The CPU time the calling thread has used so far, in seconds (`CLOCK_THREAD_CPUTIME_ID`): what a loop that never
/// suspends cost its one core, whatever else the box ran meanwhile.
func threadCPUSeconds() -> Double {
    var now = timespec()
    guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return .nan }
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The value below which `fraction` of the samples lie (nearest rank).
func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    guard !samples.isEmpty else { return .nan }
    let sorted = samples.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

/// A second connection pool on the shop's database file, for the rows the harness writes itself
/// (users, and the baselines that the shop's API does not expose). Same pragmas as AppDatabase.
func openSidePool(directory: String) throws -> DatabasePool {
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(10)
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    return try DatabasePool(path: (directory as NSString).appendingPathComponent("klelite.sqlite"), configuration: config)
}

/// Inserts `count` customer accounts directly (no bcrypt: the benchmarks never sign in) and returns their ids.
func insertCustomers(_ pool: DatabasePool, count: Int, now: Date) throws -> [String] {
    let ids = (0..<count).map { _ in UUID().uuidString.lowercased() }
    try pool.write { db in
        for (index, id) in ids.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO user (id, email, name, role, passwordHash, isDisabled, createdAt, updatedAt)
                    VALUES (?, ?, ?, 'customer', 'x', 0, ?, ?)
                    """,
                arguments: [id, "bench-\(index)-\(id.prefix(8))@bench.local", "Bench \(index)", now, now]
            )
        }
    }
    return ids
}

/// Runs `callers` concurrent loops of `body(index)` until `limit` calls were started or `seconds` passed; returns how
/// many calls completed and the elapsed time.
func concurrentLoop(
    callers: Int,
    limit: Int,
    seconds: Double,
    body: @escaping @Sendable (Int) async throws -> Void
) async throws -> (count: Int, elapsed: Double) {
    let counter = Counter()
    let watch = Stopwatch()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<callers {
            group.addTask {
                while watch.elapsed < seconds {
                    let index = counter.value.add(1, ordering: .relaxed).newValue
                    guard index <= limit else { return }
                    try await body(index)
                }
            }
        }
        try await group.waitForAll()
    }
    return (min(counter.value.load(ordering: .relaxed), limit), watch.elapsed)
}

/// A shared count (an `Atomic` cannot be captured by escaping closures itself).
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
