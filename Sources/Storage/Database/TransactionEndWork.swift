import GRDB
import Synchronization

/// Work that a connection's open transaction queued for its end (live pushes sent once it commits), kept by whoever
/// queued it, keyed by the connection.
///
/// GRDB withdraws such work through its transaction observers when a transaction rolls back with `ROLLBACK`, but tells
/// them nothing in two cases that ``AppDatabase`` and ``SavepointGroupCommit`` see and report through
/// ``TransactionEndWorkRegistry``: a savepoint rolled back inside a transaction that goes on, and a transaction SQLite
/// ends by itself (a full disk, an I/O error, a trigger's `RAISE(ROLLBACK)`), whose observers would otherwise act at the
/// connection's *next* transaction end.
protocol TransactionEndWork: AnyObject, Sendable {
    /// How much work `connection`'s open transaction has queued so far: a mark to come back to.
    func mark(_ connection: ObjectIdentifier) -> Int
    /// Drops what was queued after `mark`; the transaction goes on (a savepoint was rolled back).
    func rewind(_ connection: ObjectIdentifier, to mark: Int)
    /// Drops everything the connection's transaction queued: it has ended without its observers being told.
    func discard(_ connection: ObjectIdentifier)
}

/// Every ``TransactionEndWork`` kept over one database, told of the transaction ends GRDB does not report.
final class TransactionEndWorkRegistry: Sendable {
    /// Where each party stood when a savepoint began, in the order the parties registered.
    struct Marks: Sendable {
        fileprivate let counts: [Int]
    }

    private let parties = Mutex<[any TransactionEndWork]>([])

    func register(_ party: any TransactionEndWork) {
        parties.withLock { $0.append(party) }
    }

    /// What each party holds for `db`'s transaction now, taken before a savepoint begins.
    func marks(_ db: Database) -> Marks {
        let key = ObjectIdentifier(db)
        return Marks(counts: parties.withLock { $0 }.map { $0.mark(key) })
    }

    /// After the savepoint begun at `marks` was rolled back: each party drops what it queued since.
    func rewind(_ db: Database, to marks: Marks) {
        let key = ObjectIdentifier(db)
        for (party, count) in zip(parties.withLock { $0 }, marks.counts) { party.rewind(key, to: count) }
    }

    /// After a write failed with `db` outside any transaction: whatever its transaction queued is dropped (a no-op when
    /// GRDB's `ROLLBACK` already told the observers).
    func discard(_ db: Database) {
        let key = ObjectIdentifier(db)
        for party in parties.withLock({ $0 }) { party.discard(key) }
    }
}
