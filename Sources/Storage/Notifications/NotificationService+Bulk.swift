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
        let data = String(decoding: try JSONEncoder.jobs.encode(draft.data), as: UTF8.self)
        let title = TextRule.truncated(draft.title, toScalars: 200)
        let body = TextRule.truncated(draft.body, toScalars: 2000)
        let now = clock.now().databaseValue
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO notification (userId, type, title, body, link, data, isRead, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?) RETURNING *
                """
        )
        let count = try db.cachedStatement(sql: "SELECT COUNT(*) FROM notification WHERE userId = ? AND isRead = 0")
        var stored: [(notification: UserNotification, unread: Int)] = []
        stored.reserveCapacity(userIDs.count)
        for userID in userIDs {
            guard let notification = try UserNotification.fetchOne(insert, arguments: [userID, draft.type, title, body, draft.link, data, now])
            else { throw AppError(.internalError, "The notification was not stored.") }
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
}
