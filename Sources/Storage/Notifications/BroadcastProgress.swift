import Foundation
import GRDB

/// How far a broadcast has gone: its job's state and how many of the enabled users have it so far.
public struct BroadcastProgress: Sendable, Equatable, Codable {
    public var broadcastId: String
    public var status: JobStatus
    public var attempts: Int
    public var lastError: String?
    /// Users who have the notification now.
    public var delivered: Int
    /// Enabled users now (the job's audience; a user disabled meanwhile is left out).
    public var recipients: Int
    public var createdAt: Date
    public var completedAt: Date?
}

extension NotificationService {
    /// The progress of the broadcast queued as `job` (found by the caller in the job queue).
    public func broadcastProgress(of job: Job) async throws -> BroadcastProgress {
        let broadcast = try job.decodePayload(BroadcastJob.self)
        let marker = BroadcastJob.marker(broadcast.broadcastID)
        let (delivered, recipients) = try await database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE data LIKE ?", arguments: [marker]) ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE isDisabled = 0") ?? 0
            )
        }
        return BroadcastProgress(
            broadcastId: broadcast.broadcastID,
            status: job.status,
            attempts: job.attempts,
            lastError: job.lastError,
            delivered: delivered,
            recipients: recipients,
            createdAt: job.createdAt,
            completedAt: job.completedAt
        )
    }
}
