import Foundation
import GRDB

extension NotificationService {
    /// Stores one notification per user inside the caller's transaction, from one draft: the draft is encoded
    /// once, the statements are prepared once per connection, and the pushes of all of them wait for the
    /// transaction's one commit hook (``PushesAfterCommit``: GRDB visits every pending hook on each later statement of
    /// the transaction, so a hook per user made a broadcast chunk quadratic). Pushed live, in order, once the
    /// transaction commits.
    @discardableResult
    func notify(_ db: Database, userIDs: [String], _ draft: NotificationDraft) throws -> [UserNotification] {
        guard !userIDs.isEmpty else { return [] }
        let data = FlatJSONWriter.object(draft.data)
        let title = TextRule.truncated(draft.title, toScalars: 200)
        let body = TextRule.truncated(draft.body, toScalars: 2000)
        let now = DatabaseTimestamp.value(clock.now())
        // The row's moment as a read of the stored text gives it (what decoding a `RETURNING *` row gave): the rows are
        // built here from what was inserted, not decoded back per row (the returned row's `Decodable` decoding was a third
        // of checkout's notification in the fifth round's profile).
        guard let createdAt = Date.fromDatabaseValue(now) else { throw AppError(.internalError, "The notification was not stored.") }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO notification (userId, type, title, body, link, data, isRead, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                """
        )
        let count = try db.cachedStatement(sql: "SELECT COUNT(*) FROM notification WHERE userId = ? AND isRead = 0")
        let row = UserNotification(
            id: 0,
            userId: "",
            type: Self.asRead(draft.type),
            title: Self.asRead(title),
            body: Self.asRead(body),
            link: draft.link.map(Self.asRead),
            data: Self.asRead(data),
            isRead: false,
            createdAt: createdAt
        )
        var stored: [(notification: UserNotification, unread: Int)] = []
        stored.reserveCapacity(userIDs.count)
        for userID in userIDs {
            try insert.execute(arguments: [userID, draft.type, title, body, draft.link, data, now])
            var notification = row
            notification.id = db.lastInsertedRowID
            notification.userId = Self.asRead(userID)
            let unread = try Int.fetchOne(count, arguments: [userID]) ?? 0
            stored.append((notification, unread))
        }
        var pushes: [PushesAfterCommit.Push] = []
        pushes.reserveCapacity(2 * stored.count)
        for (notification, unread) in stored {
            pushes.append(.init(event: .notification(notification), userID: notification.userId))
            pushes.append(.init(event: .unreadCount(unread), userID: notification.userId))
        }
        afterCommit.add(pushes, in: db)
        return stored.map(\.notification)
    }

    /// Stored text as GRDB reads it back: up to its first NUL (it reads a column as a C string).
    private static func asRead(_ text: String) -> String {
        guard let nul = text.unicodeScalars.firstIndex(of: "\0") else { return text }
        return String(text.unicodeScalars[..<nul])
    }
}
