import Foundation
import GRDB

/// The payload of a `notifications.broadcast` job: one notification for every enabled customer.
public struct BroadcastJob: Codable, Sendable, Equatable {
    public var broadcastID: String
    public var draft: NotificationDraft

    public init(broadcastID: String = UUID().uuidString.lowercased(), draft: NotificationDraft) {
        self.broadcastID = broadcastID
        self.draft = draft
    }

    public static let kind = "notifications.broadcast"
    public static let queue = "notifications"

    /// A LIKE pattern matching the `data` of this broadcast's notifications (which carry its id).
    static func marker(_ broadcastID: String) -> String {
        "%\"broadcastId\":\"\(broadcastID)\"%"
    }

    public func request() throws -> JobRequest {
        try JobRequest(queue: Self.queue, kind: Self.kind, payload: self, idempotencyKey: broadcastID, maxAttempts: 5)
    }
}

/// Fans a broadcast out in chunks, one transaction per chunk, so the write lock is never held for long: first to
/// the users watching a live stream on this instance (they see it arrive; the others read it later, and a chunk
/// order by id alone made the last watcher wait for every other user's row), then to everyone else by id.
/// Idempotent: users who already have this broadcast (a retried or resumed job, or a watcher served first) are skipped.
public struct BroadcastJobHandler: JobHandler {
    public let kinds = [BroadcastJob.kind]
    let database: AppDatabase
    let notifications: NotificationService
    let chunkSize: Int

    public init(database: AppDatabase, notifications: NotificationService, chunkSize: Int = 500) {
        self.database = database
        self.notifications = notifications
        self.chunkSize = chunkSize
    }

    public func run(_ job: Job) async throws {
        let broadcast = try job.decodePayload(BroadcastJob.self)
        var draft = broadcast.draft
        draft.data["broadcastId"] = broadcast.broadcastID
        let marker = BroadcastJob.marker(broadcast.broadcastID)
        let watching = notifications.hub.connectedUserIDs.sorted()
        let size = max(1, chunkSize)
        for start in stride(from: 0, to: watching.count, by: size) {
            let chunk = Array(watching[start..<min(start + size, watching.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try await database.write { [draft] db in
                let users = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM user WHERE isDisabled = 0 AND id IN (\(marks))
                        AND NOT EXISTS (SELECT 1 FROM notification WHERE notification.userId = user.id AND data LIKE ?)
                        ORDER BY id
                        """,
                    arguments: StatementArguments(chunk + [marker])
                )
                try notifications.notify(db, userIDs: users, draft)
            }
        }
        var after = ""
        while true {
            let last: String? = try await database.write { [draft, after] db in
                let users = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM user WHERE isDisabled = 0 AND id > ?
                        AND NOT EXISTS (SELECT 1 FROM notification WHERE notification.userId = user.id AND data LIKE ?)
                        ORDER BY id LIMIT ?
                        """,
                    arguments: [after, marker, chunkSize]
                )
                try notifications.notify(db, userIDs: users, draft)
                return users.last
            }
            guard let last else { return }
            after = last
        }
    }
}
