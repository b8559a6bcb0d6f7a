import GRDB
import Synchronization

/// Group commit for enqueues that each want a transaction of their own: callers that arrive while a commit
/// is being written wait for the next one, which then carries all of them. Each job is inserted in a
/// savepoint of its own, so one caller's failure (a broken constraint) is that caller's alone; a failed
/// commit fails every caller of that group. A caller's job is committed when its call returns, as before.
final class EnqueueGroupCommit: Sendable {
    private struct Waiting: Sendable {
        let request: JobRequest
        let continuation: CheckedContinuation<Int64, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let state = Mutex(State())

    /// Enqueues `request` with the next group commit of `queue`.
    func enqueue(_ request: JobRequest, on queue: JobQueue) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state -> Bool in
                state.waiting.append(Waiting(request: request, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if lead { Task { await self.writeGroups(on: queue) } }
        }
    }

    /// Writes one transaction per group of waiting callers until nobody waits.
    private func writeGroups(on queue: JobQueue) async {
        while true {
            let group = state.withLock { state -> [Waiting] in
                let group = state.waiting
                state.waiting.removeAll(keepingCapacity: true)
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            let requests = group.map(\.request)
            do {
                let results = try await queue.database.write { db in
                    requests.map { request in
                        Result<Int64, any Error> {
                            var id: Int64 = 0
                            try db.inSavepoint {
                                id = try queue.enqueue(db, request)
                                return .commit
                            }
                            return id
                        }
                    }
                }
                for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
