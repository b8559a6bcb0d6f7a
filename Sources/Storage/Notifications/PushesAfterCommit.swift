import GRDB
import Synchronization

/// The live pushes of what each connection's open transaction stored, published in order once it commits and
/// dropped when it rolls back: one commit hook per transaction, however many notifications it stores.
///
/// GRDB keeps every hook as a transaction observer that each later statement of the transaction visits, and adding
/// one drops the connection's prepared statements that can delete rows: with a hook per notification, every order
/// of a group commit compiled checkout's cart `DELETE` again behind the order before it (fifth round's profile).
/// The rollbacks GRDB tells no observer of reach it as a ``TransactionEndWork``: a savepoint rolled back inside a
/// transaction that goes on (a failed checkout in a group commit) withdraws the pushes queued since it began, and a
/// transaction SQLite ended by itself drops them all, instead of sending them with the connection's next commit.
final class PushesAfterCommit: TransactionEndWork {
    /// One event for one user.
    struct Push: Sendable {
        let event: UserEvent
        let userID: String
    }

    private let hub: any NotificationHub
    private let pending = Mutex<[ObjectIdentifier: [Push]]>([:])

    init(hub: any NotificationHub) {
        self.hub = hub
    }

    /// Queues `pushes` behind those already waiting for the commit of `db`'s transaction.
    func add(_ pushes: [Push], in db: Database) {
        let key = ObjectIdentifier(db)
        let first = pending.withLock { pending -> Bool in
            let first = pending[key] == nil
            pending[key, default: []].append(contentsOf: pushes)
            return first
        }
        guard first else { return }
        db.afterNextTransaction(
            onCommit: { _ in
                for push in self.take(key) { self.hub.publish(push.event, to: push.userID) }
            },
            onRollback: { _ in _ = self.take(key) }
        )
    }

    /// How many connections have pushes waiting (for tests).
    var waitingConnections: Int { pending.withLock { $0.count } }

    func mark(_ connection: ObjectIdentifier) -> Int {
        pending.withLock { $0[connection]?.count ?? 0 }
    }

    /// Keeps the connection's entry, even emptied: its transaction's commit hook is still armed.
    func rewind(_ connection: ObjectIdentifier, to mark: Int) {
        pending.withLock { pending in
            guard let waiting = pending[connection], waiting.count > mark else { return }
            pending[connection] = Array(waiting.prefix(max(0, mark)))
        }
    }

    /// The next transaction arms a hook of its own; the one left armed here, which GRDB still holds, fires first at that
    /// transaction's end and sends (or drops) that transaction's pushes, and the new one finds nothing.
    func discard(_ connection: ObjectIdentifier) {
        _ = take(connection)
    }

    private func take(_ key: ObjectIdentifier) -> [Push] {
        pending.withLock { $0.removeValue(forKey: key) ?? [] }
    }
}
