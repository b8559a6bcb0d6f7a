import NIOCore
import Synchronization

/// What one open event stream has yet to write, filled by its sources without a task of their own: events in
/// order (bounded — a client that falls `limit` events behind is ended rather than buffered without limit), the
/// newest snapshot of a coalescing source (a newer one replaces an unwritten older one), and a pending heartbeat.
/// The stream's body task is the only reader: ``next()`` hands it everything pending at once, or waits.
final class StreamMailbox: Sendable {
    /// What ``next()`` hands the writer: everything pending, in the order it is to be written.
    typealias Batch = [ByteBuffer]
    /// A parked writer to resume (outside the lock) with what it gets.
    private typealias Wake = (waiter: CheckedContinuation<Batch?, Never>?, batch: Batch?)

    private struct State {
        var events: [ByteBuffer] = []
        var snapshot: ByteBuffer?
        var heartbeat = false
        var finished = false
        var waiter: CheckedContinuation<Batch?, Never>?
        var onTermination: (@Sendable () -> Void)?

        /// Takes what is pending, or nil when there is nothing.
        mutating func take() -> Batch? {
            guard !events.isEmpty || snapshot != nil || heartbeat else { return nil }
            var batch = events
            events = []
            if let snapshot { batch.append(snapshot) }
            if heartbeat { batch.append(StreamMailbox.ping) }
            snapshot = nil
            heartbeat = false
            return batch
        }
    }

    static let ping = ByteBuffer(string: ": ping\n\n")

    /// Events that may wait unwritten before the client counts as too slow.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 64) {
        self.limit = limit
    }

    /// Queues one event after the ones before it. Returns false (and ends the stream) when `limit` events already
    /// wait: the client is too slow, and a stream that skipped an event would lie about what it carried.
    @discardableResult
    func send(_ event: ByteBuffer) -> Bool {
        let (wake, accepted) = state.withLock { state -> (Wake, Bool) in
            guard !state.finished else { return ((nil, nil), false) }
            guard state.events.count < limit else {
                state.finished = true
                return (Self.wake(&state), false)
            }
            state.events.append(event)
            return (Self.wake(&state), true)
        }
        wake.waiter?.resume(returning: wake.batch)
        return accepted
    }

    /// Replaces the pending snapshot (an older one not yet written is dropped: only the newest state matters).
    func replace(snapshot: ByteBuffer) {
        let wake = state.withLock { state -> Wake in
            guard !state.finished else { return (nil, nil) }
            state.snapshot = snapshot
            return Self.wake(&state)
        }
        wake.waiter?.resume(returning: wake.batch)
    }

    /// Asks for one `: ping` comment (several before the writer gets to it make one).
    func heartbeat() {
        let wake = state.withLock { state -> Wake in
            guard !state.finished else { return (nil, nil) }
            state.heartbeat = true
            return Self.wake(&state)
        }
        wake.waiter?.resume(returning: wake.batch)
    }

    /// Ends the stream once what is already pending has been written. Later sends are ignored.
    func finish() {
        let wake = state.withLock { state -> Wake in
            state.finished = true
            return Self.wake(&state)
        }
        wake.waiter?.resume(returning: wake.batch)
    }

    /// Finishes the stream and runs its `onTermination` once (the writer is gone: sources let go of it).
    func terminate() {
        finish()
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            defer { state.onTermination = nil }
            return state.onTermination
        }
        action?()
    }

    /// Set by the source that feeds this mailbox, to unsubscribe when the stream ends. Runs at once if it already has.
    func onTermination(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            guard !state.finished else { return true }
            state.onTermination = action
            return false
        }
        if runNow { action() }
    }

    /// Everything pending, waiting for something when nothing is; nil once the stream is finished and drained, or
    /// when the waiting task is cancelled.
    func next() async -> Batch? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Batch?, Never>) in
                let ready = state.withLock { state -> (Batch?, Bool) in
                    if let batch = state.take() { return (batch, true) }
                    if state.finished || Task.isCancelled { return (nil, true) }
                    state.waiter = continuation
                    return (nil, false)
                }
                if ready.1 { continuation.resume(returning: ready.0) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Whether a writer is parked in `next()`, waiting for something to write (for tests).
    var hasParkedWriter: Bool { state.withLock { $0.waiter != nil } }

    /// Events waiting unwritten (for tests).
    var pendingCount: Int {
        state.withLock { $0.events.count + ($0.snapshot == nil ? 0 : 1) + ($0.heartbeat ? 1 : 0) }
    }

    /// Hands the parked writer (if any) what is pending now, or nil if the stream finished with nothing left.
    private static func wake(_ state: inout State) -> Wake {
        guard let waiter = state.waiter else { return (nil, nil) }
        if let batch = state.take() {
            state.waiter = nil
            return (waiter, batch)
        }
        guard state.finished else { return (nil, nil) }
        state.waiter = nil
        return (waiter, nil)
    }

    /// Ends a stream's mailbox exactly once: when the body ends, or when the last reference goes away (a response
    /// that never ran its body).
    final class Lease: Sendable {
        private let mailbox: StreamMailbox

        init(_ mailbox: StreamMailbox) {
            self.mailbox = mailbox
        }

        func end() {
            mailbox.terminate()
        }

        deinit { mailbox.terminate() }
    }
}
