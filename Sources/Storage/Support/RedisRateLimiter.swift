import Foundation
import Logging

/// The sliding-window log of ``InMemoryRateLimiter``, kept in Redis so that every instance of a cluster
/// counts the same attempts: per key a sorted set of admitted attempt times, pruned and checked and added
/// to in one Lua script. Times come from the injected clock (not Redis' own), so tests move them by hand.
///
/// If Redis cannot be reached the attempt is judged by a local in-memory limiter instead: each instance
/// then limits on its own (weaker, never unlimited) and logins keep working while Redis is down.
public final class RedisRateLimiter: RateLimiter {
    private let client: RedisClient
    private let clock: any AppClock
    private let namespace: String
    private let fallback: InMemoryRateLimiter
    private let logger: Logger

    /// KEYS[1]: the key's sorted set. ARGV: now (ms), window (ms), limit, a unique member.
    /// Answers -1 when admitted, else the milliseconds until the oldest attempt that counts leaves the window.
    static let script = RedisScript(
        """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        if count >= limit then
          local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
          return tonumber(oldest[2]) + window - now
        end
        redis.call('ZADD', KEYS[1], now, ARGV[4])
        redis.call('PEXPIRE', KEYS[1], window)
        return -1
        """
    )

    public init(
        client: RedisClient,
        clock: any AppClock,
        namespace: String = "klelite:ratelimit",
        logger: Logger = Logger(label: "klelite.ratelimit.redis")
    ) {
        self.client = client
        self.clock = clock
        self.namespace = namespace
        self.fallback = InMemoryRateLimiter(clock: clock)
        self.logger = logger
    }

    public func attempt(_ key: String, limit: Int, window: TimeInterval) async -> RateLimitDecision {
        guard limit > 0 else { return .limited(retryAfter: max(1, Int(window.rounded(.up)))) }
        let now = Int((clock.now().timeIntervalSince1970 * 1000).rounded(.down))
        let windowMS = Int((window * 1000).rounded(.up))
        let arguments = [String(now), String(windowMS), String(limit), UUID().uuidString]
        do {
            let reply = try await client.evaluate(Self.script, keys: ["\(namespace):\(key)"], arguments: arguments)
            guard let wait = reply.int else { throw RedisError.unexpectedReply("rate limit answered \(reply)") }
            if wait < 0 { return .allowed }
            return .limited(retryAfter: max(1, (wait + 999) / 1000))
        } catch {
            logger.warning("rate limit judged locally: Redis unavailable", metadata: ["error": "\(error)"])
            return await fallback.attempt(key, limit: limit, window: window)
        }
    }
}
