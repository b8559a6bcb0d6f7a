import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// The rollbacks GRDB tells no transaction observer of — a transaction SQLite ends by itself, a savepoint rolled back
/// inside a transaction that commits — withdraw the live pushes queued in them, instead of sending them later.
extension NotificationTests {
    /// A trigger's `RAISE(ROLLBACK)` makes SQLite end the whole transaction inside a statement, as a full disk or an I/O
    /// error can: GRDB then tells no observer, and the pushes queued before it must not go out with the next commit.
    @Test func aTransactionSQLiteEndsByItselfSendsNoneOfItsPushes() async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        try await database.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse_hello_2 BEFORE INSERT ON main.notification WHEN NEW.title = 'Hello 2'
                    BEGIN SELECT RAISE(ROLLBACK, 'refused by the test'); END
                    """)
        }
        await #expect(throws: DatabaseError.self) {
            try await database.write { db in
                try service.notify(db, userID: userID, draft(1))
                try service.notify(db, userID: userID, draft(2))
            }
        }
        #expect(service.afterCommit.waitingConnections == 0)
        try await database.write { db in try service.notify(db, userID: userID, draft(3)) }
        // Pushes go out in the commit hook, before the write returns: ending the stream now delivers all of them.
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(collected.titles == ["Hello 3"])
        #expect(collected.all.count == 2 && collected.all.last == .unreadCount(1))
        #expect(try await service.list(userID: userID, unreadOnly: false, page: PageRequest()).total == 1)
    }

    /// A caller of a group commit whose body fails after storing a notification loses its savepoint and its push; the
    /// group's transaction still commits, and the next caller's push is the only one sent. Both group modes.
    @Test(arguments: [false, true])
    func aFailedCallerOfAGroupCommitSendsNoneOfItsPushes(bodiesMayRunTwice: Bool) async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        let group = SavepointGroupCommit<Int64>(database: database, bodiesMayRunTwice: bodiesMayRunTwice)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await group.write { db in
                _ = try service.notify(db, userID: userID, draft(1))
                throw Refused()
            }
        }
        let kept = try await group.write { db in try service.notify(db, userID: userID, draft(2)).id }
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(collected.titles == ["Hello 2"])
        #expect(collected.all.count == 2 && collected.all.last == .unreadCount(1))
        #expect(try await service.list(userID: userID, unreadOnly: false, page: PageRequest()).items.map(\.id) == [kept])
        #expect(service.afterCommit.waitingConnections == 0)
    }

    /// Marking a notification read pushes the new unread count with the pushes of its transaction, once that commits.
    @Test func anUnreadCountIsPushedOnceItsWriteCommits() async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        let id = try await database.write { db in try service.notify(db, userID: userID, draft(1)).id }
        try await service.markRead(id: id, userID: userID)
        #expect(service.afterCommit.waitingConnections == 0)
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(collected.all.count == 3 && collected.all.last == .unreadCount(0))
    }
}
