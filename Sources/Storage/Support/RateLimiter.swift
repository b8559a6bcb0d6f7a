import Foundation
import Synchronization

/// The answer of a rate limiter for one attempt.
public enum RateLimitDecision: Sendable, Equatable {
    case allowed
    /// Refused; the caller may try again after this many seconds (at least 1).
    case limited(retryAfter: Int)
}

/// Counts attempts per key ("login:ip:…", "reserve:user:…") within a rolling window.
/// In-process here; a Redis-backed limiter shares the counts between instances in cluster mode.
public protocol RateLimiter: Sendable {
    /// Records one attempt for `key` and says whether it is within `limit` attempts per `window` seconds.
    func attempt(_ key: String, limit: Int, window: TimeInterval) async -> RateLimitDecision
}

/// A sliding-window log in memory: per key, the times of the attempts admitted within the last `window`
/// seconds. An attempt is admitted while fewer than `limit` are in the window, so no window of that length
/// ever holds more than `limit` — unlike a token bucket, which admits a refill on top of a full burst.
///
/// Each attempt costs O(1) amortized under the lock, however busy its key: a key's log is changed in place, and the times
/// that left the window are dropped from its front in bulk (``Log``). Memory stays bounded: at most about twice `limit`
/// times per key, and keys whose own window has passed are swept — when the number of keys passes twice what the last
/// sweep left (at least `pruneThreshold`), so a rush with more live keys than the threshold does not sweep every key on
/// every attempt. A key is swept only once its own window has passed: a long window (a guest's carts per hour) is never
/// cut short by the sweep of a short one (reserves per minute).
public final class InMemoryRateLimiter: RateLimiter {
    /// One key's admitted attempts, oldest first. The times before `start` have left the window; they are removed when
    /// they are half of the array, so each time is moved at most once more, never shifted off the front one by one.
    struct Log {
        private var times: [Date] = []
        private var start = 0
        /// The latest admitted time (not always the last one: a wall clock may step back).
        private var newest: Date?
        /// The window the key is counted over (the last caller's; every caller of one key passes the same).
        private(set) var window: TimeInterval

        init(window: TimeInterval) {
            self.window = window
        }

        /// Times in the window.
        var count: Int { times.count - start }
        /// Times held, including those not yet removed after leaving the window (for tests of the bound).
        var stored: Int { times.count }

        /// Whether the key's window has passed since its latest admitted attempt, at `now`.
        func isExpired(at now: Date) -> Bool {
            guard let newest, start < times.count else { return true }
            return newest <= now.addingTimeInterval(-window)
        }

        /// Admits one attempt at `now` when fewer than `limit` are in the window, else says when the next one will be.
        mutating func attempt(at now: Date, limit: Int, window: TimeInterval) -> RateLimitDecision {
            self.window = window
            let windowStart = now.addingTimeInterval(-window)
            while start < times.count, times[start] <= windowStart { start += 1 }
            if start > 0, start * 2 >= times.count {
                times.removeFirst(start)
                start = 0
            }
            if count >= limit {
                return .limited(retryAfter: wholeSeconds(times[times.count - limit].addingTimeInterval(window).timeIntervalSince(now)))
            }
            times.append(now)
            newest = max(newest ?? now, now)
            return .allowed
        }
    }

    private struct State {
        var logs: [String: Log] = [:]
        /// The key count past which the next sweep runs.
        var sweepAt: Int
        /// After a busy spell the count may stay below `sweepAt` for long: past the threshold, a sweep also runs once this
        /// time has come (a minute after the last one).
        var sweepBy = Date.distantPast
        /// Sweeps so far (for tests that they stay rare).
        var sweeps = 0
    }

    private let clock: any AppClock
    private let state: Mutex<State>
    private let pruneThreshold: Int

    public init(clock: any AppClock, pruneThreshold: Int = 10_000) {
        self.clock = clock
        self.pruneThreshold = pruneThreshold
        self.state = Mutex(State(sweepAt: pruneThreshold))
    }

    public func attempt(_ key: String, limit: Int, window: TimeInterval) async -> RateLimitDecision {
        guard limit > 0 else { return .limited(retryAfter: wholeSeconds(window)) }
        let now = clock.now()
        return state.withLock { state in
            // In place: the key's log is neither copied out nor written back.
            let decision = state.logs[key, default: Log(window: window)].attempt(at: now, limit: limit, window: window)
            let keys = state.logs.count
            if keys > state.sweepAt || (keys > pruneThreshold && now >= state.sweepBy) {
                state.logs = state.logs.filter { !$0.value.isExpired(at: now) }
                state.sweepAt = max(pruneThreshold, 2 * state.logs.count)
                state.sweepBy = now.addingTimeInterval(60)
                state.sweeps += 1
            }
            return decision
        }
    }

    /// Number of keys currently tracked (for tests of the memory bound).
    public var trackedKeys: Int { state.withLock { $0.logs.count } }
    /// Sweeps of stale keys so far (for tests).
    var sweeps: Int { state.withLock { $0.sweeps } }
    /// Times held for `key`, including any that left the window and are not removed yet (for tests).
    func storedTimes(for key: String) -> Int { state.withLock { $0.logs[key]?.stored ?? 0 } }
}

/// A wait as whole seconds for a `Retry-After`: rounded up, at least 1, and a number even for a wait no caller passes
/// (not finite, or longer than a year).
private func wholeSeconds(_ interval: TimeInterval) -> Int {
    guard interval.isFinite else { return 1 }
    return Int(min(max(1, interval.rounded(.up)), 86_400 * 365))
}
