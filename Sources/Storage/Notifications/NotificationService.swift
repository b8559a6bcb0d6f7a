import Foundation
import GRDB

/// A message to one user, shown in the shop and pushed live over SSE.
public struct UserNotification: Sendable, Equatable, Codable, FetchableRecord {
    /// Increasing; also the SSE event id, so a reconnect can ask for what came after it.
    public var id: Int64
    public var userId: String
    /// What happened, e.g. `order.status`, `flash_sale.started`, `broadcast`.
    public var type: String
    public var title: String
    public var body: String
    public var link: String?
    /// Extra JSON for the page (order id, sale id…).
    public var data: String
    public var isRead: Bool
    public var createdAt: Date
}

/// What a caller asks to tell a user.
public struct NotificationDraft: Sendable, Codable, Equatable {
    public var type: String
    public var title: String
    public var body: String
    public var link: String?
    public var data: [String: String]

    public init(type: String, title: String, body: String, link: String? = nil, data: [String: String] = [:]) {
        self.type = type
        self.title = title
        self.body = body
        self.link = link
        self.data = data
    }
}

/// Users' notifications: stored in SQLite (the source of truth and the replay log of the live streams)
/// and pushed through the ``NotificationHub`` only after the transaction that created them committed.
public final class NotificationService: Sendable {
    let database: AppDatabase
    let hub: any NotificationHub
    let clock: any AppClock
    /// The pushes of the notifications each open transaction stored, sent once it commits.
    let afterCommit: PushesAfterCommit
    /// A reconnect that missed more than this many events gets one `resync` instead of a replay.
    public let replayLimit: Int

    public init(database: AppDatabase, hub: any NotificationHub, clock: any AppClock, replayLimit: Int = 200) {
        self.database = database
        self.hub = hub
        self.clock = clock
        self.afterCommit = PushesAfterCommit(hub: hub)
        self.replayLimit = replayLimit
        database.transactionEndWork.register(afterCommit)
    }

    static func v5Notifications(_ db: Database) throws {
        try db.create(table: "notification") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("type", .text).notNull()
            t.column("title", .text).notNull().check { length($0) <= 200 }
            t.column("body", .text).notNull().check { length($0) <= 2000 }
            t.column("link", .text)
            t.column("data", .text).notNull().defaults(to: "{}")
            t.column("isRead", .boolean).notNull().defaults(to: false)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(index: "notification_on_user_id", on: "notification", columns: ["userId", "id"])
        try db.create(index: "notification_unread", on: "notification", columns: ["userId", "isRead"])
    }

    /// Stores a notification inside the caller's transaction; it is pushed live once that commits.
    @discardableResult
    func notify(_ db: Database, userID: String, _ draft: NotificationDraft) throws -> UserNotification {
        guard let notification = try notify(db, userIDs: [userID], draft).first else {
            throw AppError(.internalError, "The notification was not stored.")
        }
        return notification
    }

    /// A user's notifications, newest first.
    public func list(userID: String, unreadOnly: Bool, page: PageRequest) async throws -> Page<UserNotification> {
        try await database.read { db in
            let filter = unreadOnly ? "AND isRead = 0" : ""
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE userId = ? \(filter)", arguments: [userID]) ?? 0
            let items = try UserNotification.fetchAll(
                db,
                sql: "SELECT * FROM notification WHERE userId = ? \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [userID, page.limit, page.offset]
            )
            return Page(items: items, request: page, total: total)
        }
    }

    public func unreadCount(userID: String) async throws -> Int {
        try await database.read { db in try Self.unreadCount(db, userID: userID) }
    }

    static func unreadCount(_ db: Database, userID: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE userId = ? AND isRead = 0", arguments: [userID]) ?? 0
    }

    /// Marks one of the user's notifications read (404 for anyone else's).
    public func markRead(id: Int64, userID: String) async throws {
        try await changeAndPushCount(userID: userID) { db in
            try db.execute(sql: "UPDATE notification SET isRead = 1 WHERE id = ? AND userId = ?", arguments: [id, userID])
            guard db.changesCount == 1 else { throw AppError.notFound("The notification") }
        }
    }

    public func markAllRead(userID: String) async throws {
        try await changeAndPushCount(userID: userID) { db in
            try db.execute(sql: "UPDATE notification SET isRead = 1 WHERE userId = ? AND isRead = 0", arguments: [userID])
        }
    }

    public func delete(id: Int64, userID: String) async throws {
        try await changeAndPushCount(userID: userID) { db in
            try db.execute(sql: "DELETE FROM notification WHERE id = ? AND userId = ?", arguments: [id, userID])
            guard db.changesCount == 1 else { throw AppError.notFound("The notification") }
        }
    }

    /// What a reconnecting stream missed after `lastEventID`: the notifications, oldest first, or nil when
    /// more than ``replayLimit`` were missed (the client should reload instead).
    public func missed(userID: String, after lastEventID: Int64) async throws -> [UserNotification]? {
        try await database.read { db in try self.missed(db, userID: userID, after: lastEventID) }
    }

    private func missed(_ db: Database, userID: String, after lastEventID: Int64) throws -> [UserNotification]? {
        let missed = try UserNotification.fetchAll(
            db,
            sql: "SELECT * FROM notification WHERE userId = ? AND id > ? ORDER BY id LIMIT ?",
            arguments: [userID, lastEventID, replayLimit + 1]
        )
        return missed.count > replayLimit ? nil : missed
    }

    /// What a stream opens with, read in one snapshot: what was missed after `cursor` (nil when more than
    /// ``replayLimit``), the unread count, and the newest notification id all of that covers (0 for none).
    public func streamOpening(userID: String, after cursor: Int64?) async throws -> StreamOpening {
        try await database.read { db in
            let missed = try cursor.map { try self.missed(db, userID: userID, after: $0) } ?? []
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM notification WHERE userId = ?", arguments: [userID]) ?? 0
            return StreamOpening(missed: missed, unread: try Self.unreadCount(db, userID: userID), newestID: newest)
        }
    }

    private func changeAndPushCount(userID: String, _ change: @escaping @Sendable (Database) throws -> Void) async throws {
        try await database.write { db in
            try change(db)
            let unread = try Self.unreadCount(db, userID: userID)
            self.afterCommit.add([PushesAfterCommit.Push(event: .unreadCount(unread), userID: userID)], in: db)
        }
    }
}

/// The first events of a user's notification stream, from one snapshot.
public struct StreamOpening: Sendable {
    /// The notifications after the client's cursor, oldest first; nil when too many were missed (resync).
    public let missed: [UserNotification]?
    public let unread: Int
    /// The newest notification id the count covers: the client's cursor from here on.
    public let newestID: Int64
}
