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
/// Memory stays bounded: at most `limit` times per key, and keys with nothing in their window are pruned.
public final class InMemoryRateLimiter: RateLimiter {
    private let clock: any AppClock
    private let state = Mutex<[String: [Date]]>([:])
    private let pruneThreshold: Int

    public init(clock: any AppClock, pruneThreshold: Int = 10_000) {
        self.clock = clock
        self.pruneThreshold = pruneThreshold
    }

    public func attempt(_ key: String, limit: Int, window: TimeInterval) async -> RateLimitDecision {
        guard limit > 0 else { return .limited(retryAfter: max(1, Int(window.rounded(.up)))) }
        let now = clock.now()
        let windowStart = now.addingTimeInterval(-window)
        return state.withLock { log in
            var times = log[key, default: []].filter { $0 > windowStart }
            if times.count >= limit {
                log[key] = times
                let retryAfter = times[times.count - limit].addingTimeInterval(window).timeIntervalSince(now)
                return .limited(retryAfter: max(1, Int(retryAfter.rounded(.up))))
            }
            times.append(now)
            log[key] = times
            if log.count > pruneThreshold {
                log = log.filter { $0.value.last.map { $0 > windowStart } ?? false }
            }
            return .allowed
        }
    }

    /// Number of keys currently tracked (for tests of the memory bound).
    public var trackedKeys: Int { state.withLock { $0.count } }
}
