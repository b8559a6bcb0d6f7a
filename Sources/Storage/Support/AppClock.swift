import Foundation
import Synchronization

/// The shop's notion of wall-clock time, injected everywhere a rule depends on "now".
///
/// Services never call `Date()` themselves: production passes ``SystemClock``, tests pass
/// ``ManualClock`` and move time forward explicitly, so no test sleeps waiting for a sale to start.
public protocol AppClock: Sendable {
    /// The current moment.
    func now() -> Date
    /// Suspends until `deadline` has been reached on this clock, or throws `CancellationError`.
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemClock: AppClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        guard interval > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((interval * 1000).rounded(.up))))
    }
}

/// A clock that only moves when told to; sleepers wake as soon as time passes their deadline.
public final class ManualClock: AppClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// Number of tasks currently suspended in ``sleep(until:)``; lets tests wait for a service to park.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Moves time forward and wakes every sleeper whose deadline has been reached.
    public func advance(by seconds: TimeInterval) {
        set(to: now().addingTimeInterval(seconds))
    }

    /// Sets the time (never backwards) and wakes every sleeper whose deadline has been reached.
    public func set(to date: Date) {
        let due: [Sleeper] = state.withLock { state in
            state.now = max(state.now, date)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.now >= deadline || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
