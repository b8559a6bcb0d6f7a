import NIOCore
import Synchronization

/// What one open event stream has yet to write, filled by its sources without a task of their own: events in
/// order (bounded — a client that falls `limit` events behind is ended rather than buffered without limit), the
/// newest snapshot of a coalescing source (a newer one replaces an unwritten older one), and a pending heartbeat.
///
/// Two writers can empty it, one at a time:
/// - **the connection's event loop** (``writeOnLoop(_:first:)``, the server's way): the stream's ``StreamConnection``
///   handler writes what is pending straight into the connection's pipeline, on the loop that owns it — no task wakes
///   per event. A source on another thread asks the loop for one drain (several changes before it runs make one), and
///   a source that fills many mailboxes at once hands their drains over as one job per loop (``Drains``). While the
///   connection is not writable (a client slow to read) nothing is taken, so snapshots coalesce and events count
///   toward `limit` exactly as they would with a task blocked on its writes.
/// - **the stream's body task** (``next()``), where the connection has no such handler (the tests' in-memory
///   connections): it is handed everything pending at once, or waits.
final class StreamMailbox: Sendable {
    /// What a writer is handed: everything pending, in the order it is to be written.
    typealias Batch = [ByteBuffer]

    private struct State {
        var events: [ByteBuffer] = []
        var snapshot: ByteBuffer?
        var heartbeat = false
        var finished = false
        /// The body task parked in ``next()``.
        var waiter: CheckedContinuation<Batch?, Never>?
        var onTermination: (@Sendable () -> Void)?
        /// The connection writing this stream from its loop, from ``writeOnLoop(_:first:)`` until the stream has ended.
        var connection: NIOLoopBound<StreamConnection>?
        /// Whether a drain is already asked of the connection's loop (what comes before it runs joins it).
        var drainAsked = false
        /// The body task waiting in ``writeOnLoop(_:first:)`` for the stream to end.
        var ended: CheckedContinuation<Bool, Never>?

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

    /// What a change to the mailbox asks of its writer, done outside the lock.
    fileprivate enum Wake {
        case none
        /// Resume the parked body task with this batch (nil: the stream is over).
        case resume(CheckedContinuation<Batch?, Never>, Batch?)
        /// Ask this loop for a drain.
        case drain(any EventLoop)
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
            guard !state.finished else { return (.none, false) }
            guard state.events.count < limit else {
                state.finished = true
                return (Self.wake(&state), false)
            }
            state.events.append(event)
            return (Self.wake(&state), true)
        }
        perform(wake)
        return accepted
    }

    /// Replaces the pending snapshot (an older one not yet written is dropped: only the newest state matters).
    func replace(snapshot: ByteBuffer) {
        perform(replacing(snapshot))
    }

    /// The same, leaving the drain it needs (if any) in `drains`, to run with the other streams' (``Drains/run()``).
    func replace(snapshot: ByteBuffer, into drains: inout Drains) {
        drains.take(replacing(snapshot), for: self)
    }

    /// Asks for one `: ping` comment (several before the writer gets to it make one).
    func heartbeat() {
        perform(askingForHeartbeat())
    }

    /// The same, leaving the drain it needs (if any) in `drains`.
    func heartbeat(into drains: inout Drains) {
        drains.take(askingForHeartbeat(), for: self)
    }

    private func replacing(_ snapshot: ByteBuffer) -> Wake {
        state.withLock { state -> Wake in
            guard !state.finished else { return .none }
            state.snapshot = snapshot
            return Self.wake(&state)
        }
    }

    private func askingForHeartbeat() -> Wake {
        state.withLock { state -> Wake in
            guard !state.finished else { return .none }
            state.heartbeat = true
            return Self.wake(&state)
        }
    }

    /// Ends the stream once what is already pending has been written. Later sends are ignored.
    func finish() {
        let wake = state.withLock { state -> Wake in
            state.finished = true
            return Self.wake(&state)
        }
        perform(wake)
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

    // MARK: The body task as the writer

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

    // MARK: The connection's loop as the writer

    /// Hands the stream to `connection`'s ``StreamConnection`` handler: on the connection's loop it writes `first`,
    /// then whatever is pending, and from then on every change, until the stream is finished and drained. Returns
    /// true then (the caller ends the response), or false at once, having changed nothing, when the connection has no
    /// such handler (the caller writes `first` and drains with ``next()`` instead). Cancelling the waiting task
    /// finishes the stream.
    func writeOnLoop(_ connection: any Channel, first: Batch) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (ended: CheckedContinuation<Bool, Never>) in
                let loop = connection.eventLoop
                loop.execute {
                    guard let handler = try? connection.pipeline.syncOperations.handler(type: StreamConnection.self) else {
                        return ended.resume(returning: false)
                    }
                    self.state.withLock { state in
                        state.connection = NIOLoopBound(handler, eventLoop: loop)
                        state.ended = ended
                    }
                    handler.open(self, first: first)
                    self.drainOnLoop()
                }
            }
        } onCancel: {
            finish()
        }
    }

    /// On the connection's loop: writes what is pending unless the connection is not writable (its writability coming
    /// back drains again); once the stream is finished, writes what is left whatever the writability, lets go of the
    /// connection and resumes the body task.
    func drainOnLoop() {
        let (connection, batch, ended) = state.withLock {
            state -> (NIOLoopBound<StreamConnection>?, Batch?, CheckedContinuation<Bool, Never>?) in
            state.drainAsked = false
            guard let connection = state.connection else { return (nil, nil, nil) }
            guard state.finished || connection.value.isWritable else { return (nil, nil, nil) }
            let batch = state.take()
            guard state.finished else { return (connection, batch, nil) }
            state.connection = nil
            defer { state.ended = nil }
            return (connection, batch, state.ended)
        }
        guard let connection else { return }
        if let batch { connection.value.write(batch) }
        guard let ended else { return }
        connection.value.release(self)
        ended.resume(returning: true)
    }

    /// Whether a writer is parked in `next()`, waiting for something to write (for tests).
    var hasParkedWriter: Bool { state.withLock { $0.waiter != nil } }

    /// Whether a connection's loop writes this stream now (for tests).
    var isWrittenByLoop: Bool { state.withLock { $0.connection != nil } }

    /// Events waiting unwritten (for tests).
    var pendingCount: Int {
        state.withLock { $0.events.count + ($0.snapshot == nil ? 0 : 1) + ($0.heartbeat ? 1 : 0) }
    }

    /// What the writer must be told of a change just made.
    private static func wake(_ state: inout State) -> Wake {
        if let connection = state.connection {
            guard !state.drainAsked else { return .none }
            state.drainAsked = true
            return .drain(connection.eventLoop)
        }
        guard let waiter = state.waiter else { return .none }
        if let batch = state.take() {
            state.waiter = nil
            return .resume(waiter, batch)
        }
        guard state.finished else { return .none }
        state.waiter = nil
        return .resume(waiter, nil)
    }

    fileprivate func perform(_ wake: Wake) {
        switch wake {
        case .none:
            break
        case .resume(let waiter, let batch):
            waiter.resume(returning: batch)
        case .drain(let loop):
            loop.execute { self.drainOnLoop() }
        }
    }

    /// The drains that one change to many streams needs (a stock snapshot, a heartbeat), grouped by event loop: one
    /// job per loop instead of one per stream. A loop runs every job it was given before it looks at its sockets again,
    /// so splitting the job would not let other requests in between; a loop with 5,000 streams is busy with them for
    /// the time their writes take (bench/PROFILES.md, eighth round), as it was with a job per stream.
    struct Drains {
        private var loops: [(loop: any EventLoop, mailboxes: [StreamMailbox])] = []

        init() {}

        /// Keeps `mailbox`'s drain for ``run()``; wakes a parked body task at once.
        fileprivate mutating func take(_ wake: Wake, for mailbox: StreamMailbox) {
            guard case .drain(let loop) = wake else { return mailbox.perform(wake) }
            if let index = loops.firstIndex(where: { $0.loop === loop }) {
                loops[index].mailboxes.append(mailbox)
            } else {
                loops.append((loop, [mailbox]))
            }
        }

        /// Streams to drain (for tests).
        var count: Int { loops.reduce(0) { $0 + $1.mailboxes.count } }

        /// Asks each loop to drain its streams.
        func run() {
            for (loop, mailboxes) in loops {
                loop.execute { for mailbox in mailboxes { mailbox.drainOnLoop() } }
            }
        }
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
