import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// The rollbacks GRDB tells no transaction observer of — a transaction SQLite ends by itself, a savepoint rolled back
/// inside a transaction that commits — withdraw the live pushes queued in them, instead of sending them later.
@Suite struct TransactionEndWorkTests {
    let database: AppDatabase
    let hub = InProcessNotificationHub(bufferLimit: 16)
    let service: NotificationService
    let fixture: AccountFixture

    init() throws {
        fixture = try AccountFixture()
        database = fixture.database
        service = NotificationService(database: database, hub: hub, clock: fixture.clock, replayLimit: 5)
    }

    private func draft(_ title: String) -> NotificationDraft {
        NotificationDraft(type: "test", title: title, body: "Body")
    }

    /// The notification titles pushed to `collected`, in order.
    private func titles(_ collected: Collected) -> [String] {
        collected.all.compactMap { event -> String? in
            if case .notification(let notification) = event { notification.title } else { nil }
        }
    }

    /// A trigger's `RAISE(ROLLBACK)` makes SQLite end the whole transaction inside a statement, as a full disk or an I/O
    /// error can: GRDB then tells no observer, and the pushes queued before it must not go out with the next commit.
    @Test func aTransactionSQLiteEndsByItselfSendsNoneOfItsPushes() async throws {
        let user = try await fixture.registerCustomer()
        let collected = Collected()
        let consumer = collected.consume(hub.subscribe(userID: user.id, sessionID: "s1"))
        try await database.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse_doomed BEFORE INSERT ON main.notification WHEN NEW.title = 'Doomed'
                    BEGIN SELECT RAISE(ROLLBACK, 'refused by the test'); END
                    """)
        }
        await #expect(throws: DatabaseError.self) {
            try await database.write { db in
                try service.notify(db, userID: user.id, draft("Queued before the failure"))
                try service.notify(db, userID: user.id, draft("Doomed"))
            }
        }
        #expect(service.afterCommit.waitingConnections == 0)
        try await database.write { db in try service.notify(db, userID: user.id, draft("Committed")) }
        // Pushes go out in the commit hook, before the write returns: ending the stream now delivers all of them.
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(titles(collected) == ["Committed"])
        #expect(collected.all.count == 2 && collected.all.last == .unreadCount(1))
        #expect(try await service.list(userID: user.id, unreadOnly: false, page: PageRequest()).total == 1)
    }

    /// A caller of a group commit whose body fails after storing a notification loses its savepoint and its push; the
    /// group's transaction still commits, and the next caller's push is the only one sent. Both group modes.
    @Test(arguments: [false, true])
    func aFailedCallerOfAGroupCommitSendsNoneOfItsPushes(bodiesMayRunTwice: Bool) async throws {
        let user = try await fixture.registerCustomer()
        let collected = Collected()
        let consumer = collected.consume(hub.subscribe(userID: user.id, sessionID: "s1"))
        let group = SavepointGroupCommit<Int64>(database: database, bodiesMayRunTwice: bodiesMayRunTwice)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await group.write { db in
                _ = try service.notify(db, userID: user.id, draft("Rolled back with its savepoint"))
                throw Refused()
            }
        }
        let kept = try await group.write { db in try service.notify(db, userID: user.id, draft("Kept")).id }
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(titles(collected) == ["Kept"])
        #expect(collected.all.count == 2 && collected.all.last == .unreadCount(1))
        #expect(try await service.list(userID: user.id, unreadOnly: false, page: PageRequest()).items.map(\.id) == [kept])
        #expect(service.afterCommit.waitingConnections == 0)
    }

    /// Marking a notification read pushes the new unread count with the pushes of its transaction, once that commits.
    @Test func anUnreadCountIsPushedOnceItsWriteCommits() async throws {
        let user = try await fixture.registerCustomer()
        let id = try await database.write { db in try service.notify(db, userID: user.id, draft("One")).id }
        let collected = Collected()
        let consumer = collected.consume(hub.subscribe(userID: user.id, sessionID: "s1"))
        try await service.markRead(id: id, userID: user.id)
        #expect(service.afterCommit.waitingConnections == 0)
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(collected.all == [.unreadCount(0)])
    }
}
