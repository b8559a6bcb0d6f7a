import Foundation
import TestSupport
import Testing

@testable import Storage

@Suite struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenTimeReachesItsDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let woke = Task {
            try await clock.sleep(until: start.addingTimeInterval(60)); return clock.now()
        }
        try await eventually("the task sleeps on the clock") { clock.sleeperCount == 1 }
        clock.advance(by: 59)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 1)
        let wokeAt = try await woke.value
        #expect(wokeAt == start.addingTimeInterval(60))
        #expect(clock.sleeperCount == 0)
    }

    @Test func sleepingUntilThePastReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now().addingTimeInterval(-1))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperThrowsAndForgetsIt() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: clock.now().addingTimeInterval(3600)) }
        try await eventually("the task sleeps on the clock") { clock.sleeperCount == 1 }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func timeNeverMovesBackwards() {
        let clock = ManualClock()
        let start = clock.now()
        clock.set(to: start.addingTimeInterval(-100))
        #expect(clock.now() == start)
    }
}
