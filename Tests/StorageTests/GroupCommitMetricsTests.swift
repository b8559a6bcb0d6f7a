import Foundation
import GRDB
import Glibc
import Prometheus
import TestSupport
import Testing

@testable import Storage

/// A group commit tells `/metrics` what it cost the one writer: its groups, its callers (a failed one too) and the writer's
/// wall and CPU time from each group's `BEGIN` to its `COMMIT` — what says whether checkouts queue for the writer.
@Suite struct GroupCommitMetricsTests {
    @Test func groupsCallersAndTheWritersTimeAreCounted() async throws {
        let database = try AppDatabase.inMemory()
        let registry = PrometheusCollectorRegistry()
        let group = SavepointGroupCommit<Int>(database: database, name: "checkout", metrics: PrometheusMetricsFactory(registry: registry))
        // The first caller holds the writer, so the next four queue for one group.
        let gate = WriterGate()
        struct Refused: Error {}
        let (holding, callers) = try await group.queueBehindHeldWriter(
            first: 0,
            gate: gate,
            (1...4).map { n in
                { _ in
                    if n == 2 { throw Refused() }
                    if n == 3 { Self.spin(for: .milliseconds(20)) }  // the writer's CPU, on its own thread
                    return n
                }
            }
        )
        gate.open()
        _ = try await holding.value
        for (n, caller) in callers.enumerated() where n != 1 { _ = try await caller.value }
        await #expect(throws: Refused.self) { try await callers[1].value }

        // As `/metrics` shows them.
        let exported = Self.values(registry.emitToString(), labels: #"{commit="checkout"}"#)
        #expect(exported["klelite_group_commit_groups_total"] == 2)
        #expect(exported["klelite_group_commit_callers_total"] == 5)
        #expect(try #require(exported["klelite_group_commit_writer_seconds_total"]) > 0)
        let cpu = try #require(exported["klelite_group_commit_writer_cpu_seconds_total"])
        #expect(cpu >= 0.02, "the 20 ms of CPU the third caller spent on the writer's thread")
    }

    /// Each sample of the exposition text with these labels, by metric name.
    private static func values(_ text: String, labels: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0].hasSuffix(labels), let value = Double(parts[1]) else { continue }
            values[String(parts[0].dropLast(labels.count))] = value
        }
        return values
    }

    /// Computes on the calling thread until its CPU clock has advanced by `duration` (however long that takes on a busy box).
    private static func spin(for duration: Duration) {
        func threadCPUNanoseconds() -> Int64 {
            var now = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
            return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        }
        let end = threadCPUNanoseconds() + duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        var sink = 0
        while threadCPUNanoseconds() < end { sink &+= 1 }
        withExtendedLifetime(sink) {}
    }
}
