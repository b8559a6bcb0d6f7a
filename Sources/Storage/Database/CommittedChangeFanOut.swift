import Synchronization

/// One ``AppDatabase/onCommittedChange(of:ignoringInserts:_:)`` registration shared by any number of listeners (the open
/// live dashboards): registered once, when the owner is built, so a listener opens without touching the database — a
/// transaction observer is added on the writer's queue, and waiting for the writer would hold a cooperative thread for
/// as long as the busiest write. Listeners hear this process's commits at once, and other processes' through the
/// `data_version` watcher or, in cluster mode, the commit's announcement (``CommittedChangeRelay``). Ticks a listener has
/// not read yet collapse into one.
final class CommittedChangeFanOut: Sendable {
    private let listeners = Mutex<[UInt64: AsyncStream<Void>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    init(database: AppDatabase, tables: Set<String>) {
        database.onCommittedChange(of: tables) { [weak self] in self?.tick() }
    }

    /// Ticks after every later committed change to the tables; ends when the caller stops listening.
    func subscribe() -> AsyncStream<Void> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (ticks, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: id) }
        }
        listeners.withLock { $0[id] = continuation }
        return ticks
    }

    /// Listening streams, for tests.
    var listenerCount: Int { listeners.withLock { $0.count } }

    /// Runs on the writer's queue after a commit: only hands the tick over, never waits.
    private func tick() {
        for listener in listeners.withLock({ Array($0.values) }) { listener.yield() }
    }
}
