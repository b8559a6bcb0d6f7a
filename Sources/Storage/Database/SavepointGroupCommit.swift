import GRDB
import Synchronization

/// Group commit for writes that each want a transaction of their own (checkouts, single job enqueues): callers that arrive while a
/// commit is being written wait for the next one, which then carries up to `maximumGroup` of them, each in a
/// savepoint of its own. A caller's error rolls back exactly its savepoint and is that caller's alone; a failure
/// that ends the whole transaction, or a failed commit, fails every caller of that group. A caller's work is
/// committed when its call returns, as with one transaction each.
///
/// A body must not register `afterNextTransaction` work that a later step of the *same* body can still undo: a
/// savepoint's rollback does not withdraw such a hook (the transaction goes on and commits the others' work).
final class SavepointGroupCommit<Value: Sendable>: Sendable {
    typealias Body = @Sendable (Database) throws -> Value

    private struct Waiting: Sendable {
        let body: Body
        let continuation: CheckedContinuation<Value, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
        /// Callers in the group being written.
        var inGroup = 0
    }

    private let database: AppDatabase
    private let maximumGroup: Int
    private let state = Mutex(State())

    init(database: AppDatabase, maximumGroup: Int = 64) {
        self.database = database
        self.maximumGroup = max(1, maximumGroup)
    }

    /// How many callers wait for the next group, not counting the group being written (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// How many callers wait for a commit: queued for the next group, or in the group being written (for tests).
    var pendingCount: Int { state.withLock { $0.waiting.count + $0.inGroup } }

    /// Runs `body` in a savepoint of the next group transaction; returns once that transaction committed.
    func write(_ body: @escaping Body) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state -> Bool in
                state.waiting.append(Waiting(body: body, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if lead { Task { await self.writeGroups() } }
        }
    }

    /// Writes one transaction per group of waiting callers until nobody waits.
    private func writeGroups() async {
        while true {
            let group = state.withLock { state -> [Waiting] in
                let group = Array(state.waiting.prefix(maximumGroup))
                state.waiting.removeFirst(group.count)
                state.inGroup = group.count
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            let bodies = group.map(\.body)
            do {
                let results = try await database.write { db in
                    var results: [Result<Value, any Error>] = []
                    results.reserveCapacity(bodies.count)
                    for body in bodies {
                        let result = Result<Value, any Error> {
                            var value: Value?
                            try db.inSavepoint {
                                value = try body(db)
                                return .commit
                            }
                            guard let value else { throw AppError(.internalError, "A grouped write produced no value.") }
                            return value
                        }.mapError(AppDatabase.mapped)
                        // A failure that made SQLite roll back the whole transaction (SQLITE_FULL, IOERR, NOMEM, a
                        // trigger's RAISE(ROLLBACK)) fails the group as one: nothing of it is committed.
                        if case .failure(let error) = result, !db.isInsideTransaction { throw error }
                        results.append(result)
                    }
                    return results
                }
                for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
