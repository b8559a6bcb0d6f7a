import Foundation
import Metrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one transaction cost the writer, from its `BEGIN` to its `COMMIT`: the time that passed, and the CPU time of the
/// thread that ran it. The wall time counts the moments the writer waited for a core too: on a box whose cores are all
/// busy, the writer holds the database for longer than it computes.
struct WriterTime: Sendable, Equatable {
    var wall: Duration
    var cpu: Duration

    /// Started on the writer's thread; ``elapsed()`` must be read on the same thread.
    struct Stopwatch {
        private let wall = ContinuousClock.now
        private let cpu = Stopwatch.threadCPUTime()

        func elapsed() -> WriterTime {
            WriterTime(wall: ContinuousClock.now - wall, cpu: Stopwatch.threadCPUTime() - cpu)
        }

        /// The calling thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`); zero where the clock cannot be read.
        private static func threadCPUTime() -> Duration {
            var now = timespec()
            guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return .zero }
            return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
        }
    }
}

/// The work of a group commit (``SavepointGroupCommit``) on `/metrics`, by the commit's name: how many groups and how
/// many callers it wrote, and their ``WriterTime`` in seconds. One writer serves the whole shop, so the rate of
/// `klelite_group_commit_writer_seconds_total` is the share of the time it spends on these groups: near 1, callers
/// queue for it, and the CPU counter says how much of that time it computed.
struct GroupCommitMetrics: Sendable {
    let name: String
    /// Where the metrics go; nil: the process's `MetricsSystem`, read at each record (it is bootstrapped after the
    /// shop is built).
    let factory: (any MetricsFactory)?

    func record(callers: Int, _ time: WriterTime) {
        let factory = self.factory ?? MetricsSystem.factory
        let dimensions = [("commit", name)]
        Counter(label: "klelite_group_commit_groups_total", dimensions: dimensions, factory: factory).increment()
        Counter(label: "klelite_group_commit_callers_total", dimensions: dimensions, factory: factory).increment(by: Int64(callers))
        FloatingPointCounter(label: "klelite_group_commit_writer_seconds_total", dimensions: dimensions, factory: factory)
            .increment(by: Self.seconds(time.wall))
        FloatingPointCounter(label: "klelite_group_commit_writer_cpu_seconds_total", dimensions: dimensions, factory: factory)
            .increment(by: Self.seconds(time.cpu))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
