import GRDB
import Metrics
import Synchronization

/// Group commit for writes that each want a transaction of their own (checkouts, single job enqueues): callers that arrive while a
/// commit is being written wait for the next one, which then carries up to `maximumGroup` of them, each in a
/// savepoint of its own. A caller's error rolls back exactly its savepoint and is that caller's alone; a failure
/// that ends the whole transaction, or a failed commit, fails every caller of that group. A caller's work is
/// committed when its call returns, as with one transaction each.
///
/// Work a body queues for the commit through a ``TransactionEndWork`` (live pushes) is withdrawn with its savepoint; a
/// bare `afterNextTransaction` hook is not (the transaction goes on and commits the others' work), so a body must not
/// register one that a later step of the *same* body can still undo.
///
/// With `bodiesMayRunTwice`, a group is first written under one savepoint for the whole group and none per caller (two
/// statements per group instead of two per caller); when a caller fails, the group is rolled back to that savepoint and
/// written again, every body once more, each in a savepoint of its own — so only callers whose body can run again
/// after its first run was rolled back may use it (a body that arms an after-commit hook must arm it at most once).
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
    private let bodiesMayRunTwice: Bool
    private let metrics: GroupCommitMetrics
    private let state = Mutex(State())

    /// - Parameters:
    ///   - name: the `commit` dimension of its metrics (``GroupCommitMetrics``).
    ///   - metrics: where its metrics go; nil: the process's `MetricsSystem`.
    init(
        database: AppDatabase,
        name: String,
        maximumGroup: Int = 64,
        bodiesMayRunTwice: Bool = false,
        metrics: (any MetricsFactory)? = nil
    ) {
        self.database = database
        self.maximumGroup = max(1, maximumGroup)
        self.bodiesMayRunTwice = bodiesMayRunTwice
        self.metrics = GroupCommitMetrics(name: name, factory: metrics)
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
            let bodiesMayRunTwice = bodiesMayRunTwice
            let work = database.transactionEndWork
            let (metrics, callers) = (self.metrics, group.count)
            do {
                let results = try await database.write(timing: { metrics.record(callers: callers, $0) }) { db -> [Result<Value, any Error>] in
                    if bodiesMayRunTwice, let values = try Self.runTogether(db, bodies, work) { return values.map { .success($0) } }
                    return try Self.runApart(db, bodies, work)
                }
                for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// Every body under one savepoint; their values, or nil (and nothing of them left) when one of them failed.
    private static func runTogether(_ db: Database, _ bodies: [Body], _ work: TransactionEndWorkRegistry) throws -> [Value]? {
        let marks = work.marks(db)
        try GroupSavepoint.group.begin(db)
        var values: [Value] = []
        values.reserveCapacity(bodies.count)
        for body in bodies {
            do {
                values.append(try body(db))
            } catch {
                try undo(GroupSavepoint.group, marks, after: error, in: db, work)
                return nil
            }
        }
        try GroupSavepoint.group.release(db)
        return values
    }

    /// Every body in a savepoint of its own: each caller's outcome.
    private static func runApart(_ db: Database, _ bodies: [Body], _ work: TransactionEndWorkRegistry) throws -> [Result<Value, any Error>] {
        var results: [Result<Value, any Error>] = []
        results.reserveCapacity(bodies.count)
        for body in bodies {
            let marks = work.marks(db)
            try GroupSavepoint.caller.begin(db)
            do {
                let value = try body(db)
                try GroupSavepoint.caller.release(db)
                results.append(.success(value))
            } catch {
                try undo(GroupSavepoint.caller, marks, after: error, in: db, work)
                results.append(.failure(AppDatabase.mapped(error)))
            }
        }
        return results
    }

    /// After a body failed inside `savepoint`: undoes what the savepoint holds, so the next body starts clean. A failure
    /// that made SQLite roll back the whole transaction (SQLITE_FULL, IOERR, NOMEM, a trigger's RAISE(ROLLBACK)) is
    /// thrown instead: the group fails as one and nothing of it is committed. So is a rollback that itself fails (the
    /// savepoint would stay open around the later bodies, and its writes would commit with them). The work the bodies
    /// queued for the commit since `marks` goes with the savepoint.
    private static func undo(
        _ savepoint: GroupSavepoint,
        _ marks: TransactionEndWorkRegistry.Marks,
        after error: any Error,
        in db: Database,
        _ work: TransactionEndWorkRegistry
    ) throws {
        guard db.isInsideTransaction else { throw AppDatabase.mapped(error) }
        try savepoint.rollBack(db)
        work.rewind(db, to: marks)
    }
}
