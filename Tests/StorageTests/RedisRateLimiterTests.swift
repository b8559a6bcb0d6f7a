import Foundation
import PropertyBased
import Synchronization
import Testing

@testable import Storage

/// The sliding-window script against a real `redis-server`, with the clock moved by hand.
@Suite struct RedisRateLimiterTests {
    @Test func allowsTheLimitThenRefusesWithRetryAfterUntilTimePasses() async throws {
        try await withRedisClient { (client, _) async throws in
            let clock = ManualClock()
            let limiter = RedisRateLimiter(client: client, clock: clock)
            for _ in 0..<10 { #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .allowed) }
            #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .limited(retryAfter: 60))
            #expect(await limiter.attempt("login:ip:2", limit: 10, window: 60) == .allowed)
            clock.advance(by: 59)
            #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .limited(retryAfter: 1))
            clock.advance(by: 1)
            for _ in 0..<10 { #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .allowed) }
            #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) != .allowed)
        }
    }

    /// Over any sequence of attempts and pauses, no window of `window` seconds admits more than `limit` attempts,
    /// and the retry hint is exactly when the next attempt is admitted.
    @Test func neverAdmitsMoreThanTheLimitInAnyWindowAndRetryAfterIsExact() async throws {
        try await withRedisClient { (client, _) async throws in
            let run = Mutex(0)
            await propertyCheck(count: 40, input: Gen.int(in: 1...6), Gen.int(in: 0...30).array(of: 1...60)) { limit, pauses in
                let clock = ManualClock()
                let limiter = RedisRateLimiter(client: client, clock: clock, namespace: "run:\(run.withLock { $0 += 1; return $0 })")
                var admitted: [Date] = []
                for pause in pauses {
                    clock.advance(by: Double(pause))
                    switch await limiter.attempt("k", limit: limit, window: 60) {
                    case .allowed: admitted.append(clock.now())
                    case .limited(let retryAfter):
                        clock.advance(by: Double(retryAfter - 1))
                        if retryAfter > 1 { #expect(await limiter.attempt("k", limit: limit, window: 60) != .allowed) }
                        clock.advance(by: 1)
                        #expect(await limiter.attempt("k", limit: limit, window: 60) == .allowed)
                        admitted.append(clock.now())
                    }
                }
                for (index, start) in admitted.enumerated() {
                    #expect(admitted[index...].prefix { $0.timeIntervalSince(start) < 60 }.count <= limit)
                }
            }
        }
    }

    @Test func twoInstancesShareOneLimit() async throws {
        try await withRedisServer { (server) async throws in
            let clock = ManualClock()
            let clients = [RedisClient(configuration: server.configuration), RedisClient(configuration: server.configuration)]
            let limiters = clients.map { RedisRateLimiter(client: $0, clock: clock) }
            var admitted = 0
            for attempt in 0..<12 where await limiters[attempt % 2].attempt("reserve:user:u1", limit: 5, window: 60) == .allowed {
                admitted += 1
            }
            #expect(admitted == 5)
            for client in clients { await client.close() }
        }
    }

    @Test func whenRedisIsDownEachInstanceStillLimitsOnItsOwn() async throws {
        try await withRedisClient { (client, server) async throws in
            let limiter = RedisRateLimiter(client: client, clock: ManualClock())
            #expect(await limiter.attempt("login:ip:1", limit: 2, window: 60) == .allowed)
            server.kill()
            #expect(await limiter.attempt("login:ip:1", limit: 2, window: 60) == .allowed)
            #expect(await limiter.attempt("login:ip:1", limit: 2, window: 60) == .allowed)
            #expect(await limiter.attempt("login:ip:1", limit: 2, window: 60) == .limited(retryAfter: 60))
        }
    }
}
