import Foundation
import PropertyBased
import Testing

@testable import Storage

@Suite struct RateLimiterTests {
    @Test func allowsTheLimitThenRefusesWithRetryAfterUntilTimePasses() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        for _ in 0..<10 { #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .allowed) }
        #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .limited(retryAfter: 60))
        #expect(await limiter.attempt("login:ip:2", limit: 10, window: 60) == .allowed)
        clock.advance(by: 59)
        #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .limited(retryAfter: 1))
        clock.advance(by: 1)
        for _ in 0..<10 { #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) == .allowed) }
        #expect(await limiter.attempt("login:ip:1", limit: 10, window: 60) != .allowed)
    }

    /// Over any sequence of attempts and pauses, no window of `window` seconds admits more than `limit` attempts.
    @Test func neverAdmitsMoreThanTheLimitInAnyWindow() async {
        await propertyCheck(input: Gen.int(in: 1...6), Gen.int(in: 0...20).array(of: 1...80)) { limit, pauses in
            let clock = ManualClock()
            let limiter = InMemoryRateLimiter(clock: clock)
            var admitted: [Date] = []
            for pause in pauses {
                clock.advance(by: Double(pause))
                if await limiter.attempt("k", limit: limit, window: 60) == .allowed { admitted.append(clock.now()) }
            }
            for (index, start) in admitted.enumerated() {
                let inWindow = admitted[index...].prefix { $0.timeIntervalSince(start) < 60 }
                #expect(inWindow.count <= limit)
            }
        }
    }

    /// The retry hint is honest: waiting exactly that long is enough, and never needlessly long.
    @Test func retryAfterIsExactlyWhenTheNextAttemptIsAdmitted() async {
        await propertyCheck(input: Gen.int(in: 1...5), Gen.int(in: 0...30).array(of: 1...40)) { limit, pauses in
            let clock = ManualClock()
            let limiter = InMemoryRateLimiter(clock: clock)
            for pause in pauses {
                clock.advance(by: Double(pause))
                guard case .limited(let retryAfter) = await limiter.attempt("k", limit: limit, window: 60) else { continue }
                if retryAfter > 1 {
                    clock.advance(by: Double(retryAfter - 1))
                    #expect(await limiter.attempt("k", limit: limit, window: 60) != .allowed)
                    clock.advance(by: 1)
                } else {
                    clock.advance(by: Double(retryAfter))
                }
                #expect(await limiter.attempt("k", limit: limit, window: 60) == .allowed)
            }
        }
    }

    @Test func memoryStaysBoundedAsKeysExpire() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 100)
        for index in 0..<1000 {
            _ = await limiter.attempt("ip:\(index)", limit: 10, window: 60)
            clock.advance(by: 1)
        }
        #expect(limiter.trackedKeys <= 101)
    }
}
