import Foundation
import PropertyBased
import Synchronization
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

    /// Keys whose window passed are swept once there are more than the threshold (or twice what the last sweep left).
    @Test func memoryStaysBoundedAsKeysExpire() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 100)
        for index in 0..<1000 {
            _ = await limiter.attempt("ip:\(index)", limit: 10, window: 60)
            clock.advance(by: 1)
            // At most 61 keys are in their window at once: a sweep leaves no more, and the next runs past twice that.
            #expect(limiter.trackedKeys <= 2 * 61 + 1)
        }
        #expect(limiter.sweeps > 0)
    }

    /// A sweep set off by a short window (reserves per minute) leaves alone a key of a long one (a guest's carts per hour)
    /// that is still in its own window: its count must not start again.
    @Test func aSweepForgetsAKeyOnlyOnceItsOwnWindowHasPassed() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 2)
        #expect(await limiter.attempt("cart:new:198.51.100.7", limit: 1, window: 3600) == .allowed)
        clock.advance(by: 120)
        for user in 0..<10 { _ = await limiter.attempt("reserve:user:\(user)", limit: 5, window: 60) }
        #expect(limiter.sweeps > 0)
        #expect(await limiter.attempt("cart:new:198.51.100.7", limit: 1, window: 3600) == .limited(retryAfter: 3480))
        clock.advance(by: 3480)
        #expect(await limiter.attempt("cart:new:198.51.100.7", limit: 1, window: 3600) == .allowed)
    }

    /// A rush with more live keys than the threshold sweeps rarely (each sweep walks every key), not on every attempt.
    @Test func sweepsStayRareWhileEveryKeyIsLive() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 10)
        for user in 0..<1000 {
            #expect(await limiter.attempt("reserve:user:\(user)", limit: 5, window: 60) == .allowed)
        }
        #expect(limiter.trackedKeys == 1000)
        #expect(limiter.sweeps <= 7)  // at 11, 23, 47, ... 767 keys: each doubles the next
    }

    /// After a busy spell, keys whose window passed go within a minute, although the count stays below the doubled mark.
    @Test func staleKeysGoAMinuteAfterABusySpell() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 10)
        for user in 0..<100 { _ = await limiter.attempt("reserve:user:\(user)", limit: 5, window: 60) }
        clock.advance(by: 120)
        for user in 0..<15 { _ = await limiter.attempt("quiet:\(user)", limit: 5, window: 60) }
        #expect(limiter.trackedKeys <= 15)
    }

    /// A wall clock that steps back leaves times out of order: a key is kept while its latest time is in the window.
    @Test func aKeyIsKeptWhileItsLatestTimeIsInItsWindow() async {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = SteppingClock([100, 45, 106].map { start.addingTimeInterval($0) })
        let limiter = InMemoryRateLimiter(clock: clock, pruneThreshold: 1)
        #expect(await limiter.attempt("k", limit: 2, window: 60) == .allowed)  // at 100
        #expect(await limiter.attempt("k", limit: 2, window: 60) == .allowed)  // at 45: the clock stepped back
        #expect(await limiter.attempt("other", limit: 2, window: 60) == .allowed)  // at 106: two keys, a sweep
        #expect(limiter.sweeps == 1 && limiter.trackedKeys == 2)  // "k" was admitted at 100: still in its window
    }

    /// A busy key holds about its limit of times, not every attempt it ever made.
    @Test func aBusyKeyHoldsAboutItsLimit() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        var admitted = 0
        for _ in 0..<10_000 {
            if await limiter.attempt("reserve:user:1", limit: 50, window: 60) == .allowed { admitted += 1 }
            clock.advance(by: 0.1)
            #expect(limiter.storedTimes(for: "reserve:user:1") <= 2 * 50 + 1)
        }
        // 1,000 seconds: 50 at the start of each of the 17 windows that begin in it (the last one's partly).
        #expect((16 * 50)...(17 * 50) ~= admitted)
    }
}

/// A clock that answers the given times in turn, then the last one: a wall clock may step back.
private final class SteppingClock: AppClock {
    private let times: Mutex<[Date]>

    init(_ times: [Date]) {
        self.times = Mutex(times)
    }

    func now() -> Date {
        times.withLock { times in times.count > 1 ? times.removeFirst() : times[0] }
    }

    func sleep(until deadline: Date) async throws {}
}
