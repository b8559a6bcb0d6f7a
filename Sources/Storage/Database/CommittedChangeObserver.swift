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
    /// SQLite's `data_version` moved. The hook for in-memory copies of rows that must never outlive a write.
    /// `updatesOf` narrows a table to updates of the named columns (see ``CommittedChangeObserver``).
    func onCommittedChange(
        of tables: Set<String>,
        ignoringInserts: Bool = false,
        updatesOf: [String: Set<String>] = [:],
        _ onChange: @escaping @Sendable () -> Void
    ) {
        let observer = CommittedChangeObserver(tables: tables, ignoringInserts: ignoringInserts, updatesOf: updatesOf, onChange: onChange)
        writer.add(transactionObserver: observer, extent: .databaseLifetime)
        externalChangeListeners.withLock { $0.append(onChange) }
    }

    /// Tells every ``onCommittedChange(of:ignoringInserts:_:)`` listener that another process committed (it cannot know which tables).
    public func externalChangeSeen() {
        for listener in externalChangeListeners.withLock({ $0 }) { listener() }
    }
}
