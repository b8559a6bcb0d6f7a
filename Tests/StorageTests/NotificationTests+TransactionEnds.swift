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
                    """
            )
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

    /// Three callers written by one group transaction, the middle one failing after it stored a notification: its push
    /// goes with its savepoint, and the two around it keep theirs, each sent once and in order — also when the group is
    /// first written under one savepoint and then written again caller by caller (`bodiesMayRunTwice`).
    @Test(arguments: [false, true])
    func aFailedCallerOfAGroupCommitTakesOnlyItsOwnPushWithIt(bodiesMayRunTwice: Bool) async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        let group = SavepointGroupCommit<Int64>(database: database, name: "test", bodiesMayRunTwice: bodiesMayRunTwice)
        let gate = WriterGate()
        struct Refused: Error {}
        let (holding, callers) = try await group.queueBehindHeldWriter(
            first: 0,
            gate: gate,
            (1...3).map { n in
                { db in
                    let id = try service.notify(db, userID: userID, draft(n)).id
                    if n == 2 { throw Refused() }
                    return id
                }
            }
        )
        gate.open()
        _ = try await holding.value
        let kept = [try await callers[0].value, try await callers[2].value]
        await #expect(throws: Refused.self) { try await callers[1].value }
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(collected.titles == ["Hello 1", "Hello 3"])
        #expect(collected.all.count == 4 && collected.all[1] == .unreadCount(1) && collected.all[3] == .unreadCount(2))
        #expect(try await service.list(userID: userID, unreadOnly: false, page: PageRequest()).items.map(\.id) == kept.reversed())
        #expect(service.afterCommit.waitingConnections == 0)
    }

    /// Marking a notification read pushes the new unread count with the pushes of its transaction, once that commits (a
    /// regression guard: the count used to be a hook of its own, which pushed at the same moment).
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
