import Foundation

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

        /// The CPU clock is read last at the start and first at the end, so the CPU time never exceeds the wall time.
        func elapsed() -> WriterTime {
            let cpuNow = Stopwatch.threadCPUTime()
            return WriterTime(wall: ContinuousClock.now - wall, cpu: cpuNow - cpu)
        }

        /// The calling thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`); zero where the clock cannot be read.
        private static func threadCPUTime() -> Duration {
            var now = timespec()
            guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return .zero }
            return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
        }
    }
}
