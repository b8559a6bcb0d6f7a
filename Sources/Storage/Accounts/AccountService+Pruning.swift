import Foundation
import GRDB

extension AccountService {
    /// Deletes what can never sign anyone in again: refresh tokens and reset tokens past their expiry, sessions
    /// revoked more than `retention` ago, and quiet sessions left without a refresh token for longer than that.
    /// Returns how many rows went, by kind.
    static func pruneExpired(_ db: Database, now: Date, retention: TimeInterval) throws -> [String: Int] {
        let cutoff = now.addingTimeInterval(-retention)
        try db.execute(sql: "DELETE FROM refreshToken WHERE expiresAt < ?", arguments: [now])
        let tokens = db.changesCount
        try db.execute(
            sql: """
                DELETE FROM session WHERE (revokedAt IS NOT NULL AND revokedAt < ?)
                    OR (lastUsedAt < ? AND NOT EXISTS (SELECT 1 FROM refreshToken WHERE refreshToken.sessionId = session.id))
                """,
            arguments: [cutoff, cutoff]
        )
        let sessions = db.changesCount
        try db.execute(sql: "DELETE FROM passwordReset WHERE expiresAt < ?", arguments: [now])
        return ["refreshTokens": tokens, "sessions": sessions, "passwordResets": db.changesCount]
    }
}
