import GRDB
import Synchronization

/// The live pushes of what each connection's open transaction stored, published in order once it commits and
/// dropped when it rolls back: one commit hook per transaction, however many notifications it stores.
///
/// GRDB keeps every hook as a transaction observer that each later statement of the transaction visits, and adding
/// one drops the connection's prepared statements that can delete rows: with a hook per notification, every order
/// of a group commit compiled checkout's cart `DELETE` again behind the order before it (fifth round's profile).
/// As with a hook per call, a savepoint rolled back inside a committed transaction does not withdraw its pushes, and
/// neither does a transaction SQLite rolls back by itself (a full disk, an I/O error: GRDB then tells no observer), whose
/// pushes go out with the connection's next commit — known, not yet mended (the job queue's wake-up hooks share it,
/// harmlessly: one spare wake-up).
final class PushesAfterCommit: Sendable {
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

    private func take(_ key: ObjectIdentifier) -> [Push] {
        pending.withLock { $0.removeValue(forKey: key) ?? [] }
    }
}
