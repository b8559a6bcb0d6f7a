import Synchronization

/// Values read from SQLite, kept in memory until a commit changes the tables they came from (see
/// ``AppDatabase/onCommittedChange(of:ignoringInserts:_:)``), so a hot path answers without a round trip to the database.
///
/// A read that raced a commit is never kept: every ``forget()`` moves a generation, and a loaded value is stored
/// only if the generation did not move while it was being read. Absent values (nil) are not kept. When
/// `maxCount` values are held, the next one empties the cache rather than grow it.
final class CommitScopedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var values: [Key: Value] = [:]
    }

    private let state = Mutex(State())
    let maxCount: Int

    init(maxCount: Int) {
        self.maxCount = maxCount
    }

    /// The kept value of `key`, or the one `load` reads (kept unless a commit came in between).
    func value(for key: Key, load: () async throws -> Value?) async throws -> Value? {
        let (kept, generation) = state.withLock { ($0.values[key], $0.generation) }
        if let kept { return kept }
        guard let loaded = try await load() else { return nil }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.values.count >= maxCount { state.values.removeAll(keepingCapacity: true) }
            state.values[key] = loaded
        }
        return loaded
    }

    /// The kept value of `key`, if one is kept: answered without suspending, for a hot path that can skip its awaits
    /// when the value is already in memory (``value(for:load:)`` reads it otherwise).
    func kept(_ key: Key) -> Value? {
        state.withLock { $0.values[key] }
    }

    /// Forgets every value after each commit that changed one of `tables` in `database` (here or in another process;
    /// `updatesOf` narrows a table to updates of those columns, see ``CommittedChangeObserver``).
    func forget(
        onCommittedChangeOf tables: Set<String>,
        ignoringInserts: Bool = false,
        updatesOf: [String: Set<String>] = [:],
        in database: AppDatabase
    ) {
        database.onCommittedChange(of: tables, ignoringInserts: ignoringInserts, updatesOf: updatesOf) { [self] in forget() }
    }

    /// Drops every kept value, and any read in flight from being kept.
    func forget() {
        state.withLock { state in
            state.generation &+= 1
            state.values.removeAll(keepingCapacity: true)
        }
    }

    /// Values held (for tests).
    var count: Int { state.withLock { $0.values.count } }
}
