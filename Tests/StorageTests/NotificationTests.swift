import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// Collects what a hub stream delivers.
final class Collected: Sendable {
    private let events = Mutex<[UserEvent]>([])
    private let ended = Mutex(false)

    var all: [UserEvent] { events.withLock { $0 } }
    /// The titles of the notifications among them, in order.
    var titles: [String] {
        all.compactMap { event -> String? in
            if case .notification(let notification) = event { notification.title } else { nil }
        }
    }
    var isEnded: Bool { ended.withLock { $0 } }

    func consume(_ stream: AsyncStream<UserEvent>) -> Task<Void, Never> {
        Task {
            for await event in stream { events.withLock { $0.append(event) } }
            ended.withLock { $0 = true }
        }
    }
}

@Suite struct NotificationTests {
    let database: AppDatabase
    let hub = InProcessNotificationHub(bufferLimit: 8)
    let service: NotificationService
    let fixture: AccountFixture

    init() throws {
        fixture = try AccountFixture()
        database = fixture.database
        service = NotificationService(database: database, hub: hub, clock: fixture.clock, replayLimit: 5)
    }

    func draft(_ n: Int) -> NotificationDraft {
        NotificationDraft(type: "test", title: "Hello \(n)", body: "Body \(n)", link: "/orders/\(n)", data: ["n": "\(n)"])
    }

    /// A new customer with one stream open (session `s1`), and what that stream receives.
    func listeningCustomer() async throws -> (id: String, collected: Collected, consumer: Task<Void, Never>) {
        let user = try await fixture.registerCustomer()
        let collected = Collected()
        return (user.id, collected, collected.consume(hub.subscribe(userID: user.id, sessionID: "s1")))
    }

    @Test func eventsArePublishedOnlyAfterCommitAndNeverForARollback() async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        struct Rollback: Error {}
        _ = try? await database.writer.write { db in
            try service.notify(db, userID: userID, draft(1))
            throw Rollback()
        }
        try await database.writer.write { db in
            try service.notify(db, userID: userID, draft(2))
            #expect(collected.all.isEmpty)  // not yet committed
        }
        try await eventually("the committed notification arrived") { collected.all.count == 2 }
        guard case .notification(let notification) = collected.all[0] else { Issue.record("expected a notification"); return }
        #expect(notification.title == "Hello 2" && collected.all[1] == .unreadCount(1))
        #expect(try await service.list(userID: userID, unreadOnly: false, page: PageRequest()).total == 1)
        hub.disconnect(session: "s1")
        await consumer.value
        #expect(hub.subscriberCount == 0)
    }

    /// Notifications stored by several calls in one transaction (the orders of a group commit) wait for that
    /// transaction's one commit hook and are pushed in the order they were stored; a transaction rolled back with
    /// `ROLLBACK` drops its pushes, never sent with a later commit, and nothing is left waiting.
    @Test func notificationsOfOneTransactionArePushedInOrderOnceItCommits() async throws {
        let (userID, collected, consumer) = try await listeningCustomer()
        struct Rollback: Error {}
        _ = try? await database.writer.write { db in
            try service.notify(db, userID: userID, draft(1))
            try service.notify(db, userID: userID, draft(2))
            throw Rollback()
        }
        #expect(service.afterCommit.waitingConnections == 0)
        try await database.writer.write { db in
            for n in 3...5 { try service.notify(db, userID: userID, draft(n)) }
            #expect(collected.all.isEmpty)  // not yet committed
        }
        try await eventually("the three committed notifications arrived") { collected.all.count == 6 }
        #expect(collected.titles == ["Hello 3", "Hello 4", "Hello 5"])
        #expect([1, 3, 5].map { collected.all[$0] } == [.unreadCount(1), .unreadCount(2), .unreadCount(3)])
        #expect(service.afterCommit.waitingConnections == 0)
        hub.disconnect(session: "s1")
        await consumer.value
    }

    /// What `notify` answers (and pushes) is the stored row exactly as reading it back gives it — the moment to the
    /// millisecond as GRDB decodes the stored text, a link cut at a NUL as SQLite hands text back — for many instants.
    @Test func aStoredNotificationIsAnsweredExactlyAsItsRowReadsBack() async throws {
        let user = try await fixture.registerCustomer()
        let drafts = [
            NotificationDraft(type: "order.status", title: "Đã nhận đơn KL-1", body: "Tổng 45.000 ₫", link: "/orders.html#1", data: ["a": "1"]),
            NotificationDraft(type: "broadcast", title: "Bánh mới 🥐", body: "Hai\ndòng", link: "/x\u{0}y", data: [:]),
            NotificationDraft(type: "test", title: String(repeating: "é", count: 300), body: "b", link: nil, data: ["z": "\"/\u{0}"]),
        ]
        var answered: [UserNotification] = []
        for step in 0..<300 {
            fixture.clock.advance(by: 0.000_37 * Double(step % 7) + 0.000_499_9 * Double(step % 3) + 1.5)
            let draft = drafts[step % drafts.count]
            answered += try await database.writer.write { db in try service.notify(db, userIDs: [user.id], draft) }
        }
        let stored = try await database.read { db in
            try UserNotification.fetchAll(db, sql: "SELECT * FROM notification WHERE userId = ? ORDER BY id", arguments: [user.id])
        }
        #expect(stored.count == 300 && answered.count == 300)
        let differing = zip(answered, stored).filter { $0 != $1 }
        #expect(differing.isEmpty, "\(differing.count) differ; the first: \(String(describing: differing.first))")
    }

    @Test func readDeleteAndCountsBelongToTheirOwner() async throws {
        let lan = try await fixture.registerCustomer()
        let minh = try await fixture.registerCustomer("minh@example.vn")
        let ids = try await database.writer.write { db in
            try (1...3).map { try service.notify(db, userID: lan.id, draft($0)).id }
        }
        #expect(try await service.unreadCount(userID: lan.id) == 3)
        await #expect(throws: AppError.notFound("The notification")) { try await service.markRead(id: ids[0], userID: minh.id) }
        await #expect(throws: AppError.notFound("The notification")) { try await service.delete(id: ids[0], userID: minh.id) }
        try await service.markRead(id: ids[0], userID: lan.id)
        #expect(try await service.unreadCount(userID: lan.id) == 2)
        #expect(try await service.list(userID: lan.id, unreadOnly: true, page: PageRequest()).items.map(\.id) == [ids[2], ids[1]])
        try await service.markAllRead(userID: lan.id)
        #expect(try await service.unreadCount(userID: lan.id) == 0)
        try await service.delete(id: ids[1], userID: lan.id)
        #expect(try await service.list(userID: lan.id, unreadOnly: false, page: PageRequest()).total == 2)
    }

    @Test func missedEventsReplayExactlyOrAskForAResync() async throws {
        let user = try await fixture.registerCustomer()
        let ids = try await database.writer.write { db in try (1...8).map { try service.notify(db, userID: user.id, draft($0)).id } }
        #expect(try await service.missed(userID: user.id, after: ids[4])?.map(\.id) == Array(ids[5...]))
        #expect(try await service.missed(userID: user.id, after: ids[7])?.isEmpty == true)
        #expect(try await service.missed(userID: user.id, after: 0) == nil)  // 8 missed > limit 5
    }

    @Test func aSlowSubscriberIsDroppedInsteadOfBuffered() async throws {
        let stream = hub.subscribe(userID: "u", sessionID: "s")
        for n in 0..<20 { hub.publish(.unreadCount(n), to: "u") }  // nobody reads: the buffer of 8 overflows
        var received = 0
        for await _ in stream { received += 1 }
        #expect(received == 8)
        #expect(hub.subscriberCount == 0)
    }

    @Test func aThousandStreamsAllReceiveAndAllCloseAgain() async throws {
        let collectors = (0..<1000).map { _ in Collected() }
        let consumers = collectors.enumerated().map { index, collected in
            collected.consume(hub.subscribe(userID: "user-\(index % 10)", sessionID: "session-\(index)"))
        }
        #expect(hub.subscriberCount == 1000)
        for user in 0..<10 { hub.publish(.unreadCount(user), to: "user-\(user)") }
        try await eventually("every stream got its event") { collectors.allSatisfy { $0.all.count == 1 } }
        for (index, collected) in collectors.enumerated() { #expect(collected.all == [.unreadCount(index % 10)]) }
        for user in 0..<10 { hub.disconnect(user: "user-\(user)") }
        for consumer in consumers { await consumer.value }
        #expect(hub.subscriberCount == 0)
    }

    @Test func broadcastReachesEveryEnabledUserOnceEvenWhenRerun() async throws {
        for n in 0..<23 { _ = try await fixture.registerCustomer("user\(n)@example.vn") }
        let handler = BroadcastJobHandler(database: database, notifications: service, chunkSize: 5)
        let queue = JobQueue(database: database, clock: fixture.clock)
        let broadcast = BroadcastJob(draft: NotificationDraft(type: "broadcast", title: "Bánh mới", body: "Croissant hạnh nhân đã có"))
        try await queue.enqueue(try broadcast.request())
        let job = try #require(try await queue.claim(queue: BroadcastJob.queue))
        try await handler.run(job)
        try await handler.run(job)  // a retried job adds nothing
        let count = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") }
        #expect(count == 23)
    }

    /// The users watching a live stream (here: the last one in the id order the chunks follow) get a broadcast
    /// first, and everyone still gets it exactly once, also when the job runs again.
    @Test func aBroadcastReachesUsersWithAnOpenStreamFirst() async throws {
        var users: [String] = []
        for n in 0..<23 { users.append(try await fixture.registerCustomer("first\(n)@example.vn").id) }
        let watching = try #require(users.max())
        let collected = Collected()
        let consumer = collected.consume(hub.subscribe(userID: watching, sessionID: "s-watching"))
        let handler = BroadcastJobHandler(database: database, notifications: service, chunkSize: 5)
        let queue = JobQueue(database: database, clock: fixture.clock)
        try await queue.enqueue(try BroadcastJob(draft: NotificationDraft(type: "broadcast", title: "Mở bán", body: "Giờ vàng")).request())
        let job = try #require(try await queue.claim(queue: BroadcastJob.queue))
        try await handler.run(job)
        try await handler.run(job)
        let (first, count, perUser) = try await database.writer.read { db in
            (
                try String.fetchOne(db, sql: "SELECT userId FROM notification ORDER BY id LIMIT 1"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") ?? 0,
                try Int.fetchOne(db, sql: "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM notification GROUP BY userId)") ?? 0
            )
        }
        #expect(first == watching)
        #expect(count == 23 && perUser == 1)
        try await eventually("the watching user got it live") { collected.all.count == 2 }
        hub.disconnect(session: "s-watching")
        await consumer.value
    }

    /// A broadcast chunk stores one notification per user from one draft and pushes them with one commit
    /// hook: after the commit each user gets their own notification and their own unread count, once; after a
    /// rollback nobody gets anything.
    @Test func notifyingManyUsersInOneTransactionPushesEachTheirOwnOnlyAfterCommit() async throws {
        var registered: [String] = []
        for n in 0..<3 { registered.append(try await fixture.registerCustomer("many\(n)@example.vn").id) }
        let users = registered
        try await database.writer.write { db in try service.notify(db, userID: users[1], draft(0)) }
        let collected = users.map { _ in Collected() }
        let consumers = zip(users, collected).map { user, sink in sink.consume(hub.subscribe(userID: user, sessionID: "s-\(user)")) }
        struct Rollback: Error {}
        _ = try? await database.writer.write { db in
            try service.notify(db, userIDs: users, draft(1))
            throw Rollback()
        }
        try await database.writer.write { db in
            let stored = try service.notify(db, userIDs: users, draft(2))
            #expect(stored.map(\.userId) == users && Set(stored.map(\.id)).count == 3)
            #expect(collected.allSatisfy { $0.all.isEmpty })  // not yet committed
        }
        try await eventually("every user got the committed notification") { collected.allSatisfy { $0.all.count == 2 } }
        for (index, user) in users.enumerated() {
            guard case .notification(let notification) = collected[index].all[0] else { Issue.record("expected a notification"); continue }
            #expect(notification.userId == user && notification.title == "Hello 2")
            #expect(collected[index].all[1] == .unreadCount(index == 1 ? 2 : 1))
        }
        for user in users { hub.disconnect(session: "s-\(user)") }
        for consumer in consumers { await consumer.value }
    }
}
