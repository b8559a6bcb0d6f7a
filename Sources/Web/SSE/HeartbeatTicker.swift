import Foundation
import Storage
import Synchronization

/// One timer for the heartbeats of every open event stream: every `interval` it asks each registered stream for a
/// `: ping` comment, so that idle timeouts never cut a quiet stream — instead of one sleeping task per stream. The
/// timer runs only while at least one stream is registered.
final class HeartbeatTicker: Sendable {
    private struct State {
        var mailboxes: [UInt64: StreamMailbox] = [:]
        var nextID: UInt64 = 0
        var task: Task<Void, Never>?
    }

    private let clock: any AppClock
    private let interval: TimeInterval
    private let state = Mutex(State())

    init(clock: any AppClock, interval: TimeInterval) {
        self.clock = clock
        self.interval = interval
    }

    /// Adds a stream; its heartbeats start `interval` from the next tick's start (at most `interval` from now).
    func register(_ mailbox: StreamMailbox) -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.mailboxes[state.nextID] = mailbox
            if state.task == nil { state.task = Task { await self.tick() } }
            return state.nextID
        }
    }

    /// Removes a stream; the timer stops with the last one.
    func unregister(_ id: UInt64) {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.mailboxes[id] = nil
            guard state.mailboxes.isEmpty else { return nil }
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
    }

    /// Streams registered (for tests).
    var count: Int { state.withLock { $0.mailboxes.count } }

    private func tick() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: clock.now().addingTimeInterval(interval))
            } catch {
                return
            }
            let targets = state.withLock { Array($0.mailboxes.values) }
            var drains = StreamMailbox.Drains()
            for mailbox in targets { mailbox.heartbeat(into: &drains) }
            drains.run()
        }
    }
}
