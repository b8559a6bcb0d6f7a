import GRDB
import Synchronization

/// Calls `onChange` after every committed transaction of this process that changed one of `tables` (with
/// `ignoringInserts`, only updates and deletes count: a new row cannot make a kept copy of another row wrong; a table named
/// in `updatesOf` counts only for updates of those columns — neither its inserts nor its deletes), on the writer's
/// queue, before the writing call returns — so in-memory state derived from those tables is forgotten before the
/// writer's caller (and its HTTP client) hears that the write succeeded. Rolled-back changes are ignored.
///
/// GRDB calls an observer only from the writer's serial queue, so `changed` needs no lock of its own.
final class CommittedChangeObserver: TransactionObserver, @unchecked Sendable {
    private let tables: Set<String>
    private let ignoringInserts: Bool
    /// Lower-cased column names, by table.
    private let updatesOf: [String: Set<String>]
    private let onChange: @Sendable () -> Void
    private var changed = false

    init(tables: Set<String>, ignoringInserts: Bool, updatesOf: [String: Set<String>] = [:], onChange: @escaping @Sendable () -> Void) {
        self.tables = tables
        self.ignoringInserts = ignoringInserts
        self.updatesOf = updatesOf.mapValues { Set($0.map { $0.lowercased() }) }
        self.onChange = onChange
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if ignoringInserts, case .insert = eventKind { return false }
        guard tables.contains(eventKind.tableName) else { return false }
        guard let columns = updatesOf[eventKind.tableName] else { return true }
        guard case .update(_, let updated) = eventKind else { return false }
        return updated.contains { columns.contains($0.lowercased()) }
    }

    func databaseDidChange(with event: DatabaseEvent) {
        changed = true
        stopObservingDatabaseChangesUntilNextTransaction()
    }

    func databaseDidCommit(_ db: Database) {
        guard changed else { return }
        changed = false
        onChange()
    }

    func databaseDidRollback(_ db: Database) {
        changed = false
    }
}

extension AppDatabase {
    /// Runs `onChange` after each commit that changed one of `tables`: at once for this process's own writes, and for
    /// another process's (a CLI command, another instance on the same file) when ``ExternalChangeWatcher`` notices
    /// SQLite's `data_version` moved, or in cluster mode when the instance that committed says so
    /// (``CommittedChangeRelay``). The hook for in-memory copies of rows that must never outlive a write.
    /// `updatesOf` narrows a table to updates of the named columns (see ``CommittedChangeObserver``).
    func onCommittedChange(
        of tables: Set<String>,
        ignoringInserts: Bool = false,
        updatesOf: [String: Set<String>] = [:],
        _ onChange: @escaping @Sendable () -> Void
    ) {
        let key = CommittedChangeRelay.key(tables: tables, ignoringInserts: ignoringInserts, updatesOf: updatesOf)
        // Registrations with the same key match the same commits: the first one announces for all of them.
        let announces = externalChangeListeners.withLock { listeners in
            defer { listeners.append((key, onChange)) }
            return !listeners.contains { $0.key == key }
        }
        let observer = CommittedChangeObserver(tables: tables, ignoringInserts: ignoringInserts, updatesOf: updatesOf) {
            [weak self] in
            onChange()
            if announces, let relay = self?.relay.withLock({ $0 }) { relay.announce(key) }
        }
        writer.add(transactionObserver: observer, extent: .databaseLifetime)
    }

    /// Tells the ``onCommittedChange(of:ignoringInserts:_:)`` listeners that another process committed, when the
    /// `data_version` watcher saw it move (it cannot know which tables): every listener runs — in cluster mode, with
    /// the channel up, at most once per backstop interval (``CommittedChangeRelay``). Returns false when they did not
    /// run yet: the watcher then keeps the move owed and tells it again on its next poll.
    @discardableResult
    public func externalChangeSeen() -> Bool {
        if let relay = relay.withLock({ $0 }), !relay.forgetsAllOnExternalChange() { return false }
        forgetEverything()
        return true
    }

    /// Cluster mode: another instance announced a commit that changed what the registration `key` watches; its
    /// listeners run (every listener, for a key this instance does not know).
    public func committedChangeAnnounced(_ key: String) {
        let listeners = externalChangeListeners.withLock { $0 }
        let named = listeners.filter { $0.key == key }
        for listener in named.isEmpty ? listeners : named { listener.onChange() }
    }

    /// Cluster mode: other instances write this file too, and announce their commits through `announce` (which must
    /// not wait); this instance announces its own the same way. Until ``committedChangeChannel(isUp:)`` says the
    /// channel is up, every `data_version` move forgets every copy, as without a channel.
    public func relayCommittedChanges(backstop: Duration = .seconds(10), announce: @escaping @Sendable (String) -> Void) {
        relayCommittedChanges(CommittedChangeRelay(backstop: backstop, announce: announce))
    }

    func relayCommittedChanges(_ relay: CommittedChangeRelay) {
        self.relay.withLock { $0 = relay }
    }

    /// Cluster mode: the channel came up (subscribed) or went down. Either way what was said meanwhile went unheard,
    /// so every copy is forgotten.
    public func committedChangeChannel(isUp: Bool) {
        relay.withLock { $0 }?.channel(isUp: isUp)
        forgetEverything()
    }

    private func forgetEverything() {
        for listener in externalChangeListeners.withLock({ $0 }) { listener.onChange() }
    }
}
