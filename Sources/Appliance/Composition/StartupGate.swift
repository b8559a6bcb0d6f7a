import Synchronization

/// Opens once, when the shop's start-up work is done; until then ``wait()`` suspends. Background services wait
/// on it so none of them touches the stock ledger while it is being rebuilt (an expiry released during the
/// rebuild would otherwise be counted as still held).
final class StartupGate: Sendable {
    private enum State {
        case closed(waiters: [Int: CheckedContinuation<Void, any Error>], nextID: Int)
        case open
    }

    private let state = Mutex(State.closed(waiters: [:], nextID: 0))

    /// Lets every waiter, present and future, through.
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .closed(let waiters, _) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open; throws `CancellationError` if the task is cancelled first.
    func wait() async throws {
        let id = state.withLock { state -> Int? in
            guard case .closed(let waiters, let nextID) = state else { return nil }
            state = .closed(waiters: waiters, nextID: nextID + 1)
            return nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    guard case .closed(var waiters, let nextID) = state else { return .some(nil) }
                    if Task.isCancelled { return .some(CancellationError()) }
                    waiters[id] = continuation
                    state = .closed(waiters: waiters, nextID: nextID)
                    return .none
                }
                switch resumeNow {
                case .none: break
                case .some(.none): continuation.resume()
                case .some(.some(let error)): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard case .closed(var waiters, let nextID) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                state = .closed(waiters: waiters, nextID: nextID)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
