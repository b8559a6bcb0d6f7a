import Synchronization

/// The jobs one work loop claimed together, from the claim until each is settled (completed, failed or given
/// back). Their leases are renewed together; a job whose renewal failed is *lost* (its lease expired and
/// another worker may run it): it is not started, and a handler running it is told to stop.
final class ClaimedBatch: Sendable {
    private struct State {
        var held: [Int64: Job]
        var lost: Set<Int64> = []
        var watchers: [Int64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    init(_ jobs: [Job]) {
        var held: [Int64: Job] = [:]
        for job in jobs {
            if let id = job.id { held[id] = job }
        }
        state = Mutex(State(held: held))
    }

    /// The jobs whose leases still need renewing.
    var heldJobs: [Job] { state.withLock { Array($0.held.values) } }

    func isLost(_ id: Int64) -> Bool { state.withLock { $0.lost.contains(id) } }

    /// The job's outcome is recorded (or given up): its lease needs no more renewing.
    func settle(_ id: Int64) {
        state.withLock { _ = $0.held.removeValue(forKey: id) }
    }

    /// Marks the held jobs outside `renewed` as lost, and wakes whoever waits on them.
    func keep(only renewed: Set<Int64>, of asked: [Job]) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for job in asked {
                guard let id = job.id, !renewed.contains(id), state.held.removeValue(forKey: id) != nil else { continue }
                state.lost.insert(id)
                if let watcher = state.watchers.removeValue(forKey: id) { woken.append(watcher) }
            }
            return woken
        }
        for watcher in woken { watcher.resume() }
    }

    /// Returns once the job is lost, or when the waiting task is cancelled.
    func waitUntilLost(_ id: Int64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.lost.contains(id) || Task.isCancelled { return true }
                    state.watchers[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.watchers.removeValue(forKey: id) }?.resume()
        }
    }
}
