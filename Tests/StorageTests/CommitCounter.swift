import GRDB
import Synchronization

/// Counts the writer's commits (add it with `db.add(transactionObserver:extent: .databaseLifetime)`).
final class CommitCounter: TransactionObserver, Sendable {
    private let commits = Atomic<Int>(0)

    var count: Int { commits.load(ordering: .acquiring) }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.add(1, ordering: .releasing) }
    func databaseDidRollback(_ db: Database) {}
}
