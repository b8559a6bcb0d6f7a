import Foundation
import GRDB

extension AccountService {
    /// Queues a one-time reset link to the address if it belongs to an active account, in the same
    /// transaction as the token. Says nothing either way: the caller answers 202 whatever happens, so the
    /// form cannot probe for accounts. A new request replaces any earlier unused link. At most
    /// ``AccountSettings/passwordResetsPerHour`` links are sent to one account per hour; more are dropped silently.
    public func requestPasswordReset(email rawEmail: String) async throws {
        guard let email = try? AccountRules.normalizedEmail(rawEmail) else { return }
        let now = clock.now()
        let token = SecureToken.generate()
        let settings = self.settings
        try await database.write { db in
            guard let user = try UserRecord.filter(UserRecord.Columns.email == email).fetchOne(db), !user.isDisabled else { return }
            let recent = try PasswordResetRecord.filter(
                PasswordResetRecord.Columns.userId == user.id && PasswordResetRecord.Columns.createdAt > now.addingTimeInterval(-3600)
            ).fetchCount(db)
            guard recent < settings.passwordResetsPerHour else {
                self.logger.notice("password reset email not sent: hourly cap reached", metadata: ["user": "\(user.id)"])
                return
            }
            try PasswordResetRecord.filter(PasswordResetRecord.Columns.userId == user.id && PasswordResetRecord.Columns.usedAt == nil)
                .updateAll(db, PasswordResetRecord.Columns.usedAt.set(to: now))
            try PasswordResetRecord(
                tokenHash: SecureToken.hash(token),
                userId: user.id,
                createdAt: now,
                expiresAt: now.addingTimeInterval(settings.passwordResetLifetime)
            ).insert(db)
            let message = EmailJob(
                to: user.email,
                template: .passwordReset,
                values: [
                    "name": user.name,
                    "link": "\(settings.publicBaseURL)/reset-password.html#token=\(token)",
                    "minutes": String(Int(settings.passwordResetLifetime / 60)),
                ]
            )
            try self.jobs.enqueue(db, try message.request(priority: 10))
        }
    }

    /// Sets a new password with a reset token. The token works once and only before it expires;
    /// every session of the user ends, so whoever knew the old password is signed out.
    /// Returns the user's id, so the caller can close their live streams.
    @discardableResult
    public func resetPassword(token: String, newPassword: String) async throws -> String {
        let tokenHash = SecureToken.hash(token)
        let now = clock.now()
        let owner = try await database.read { db in
            try UserRecord.fetchOne(
                db,
                sql: """
                    SELECT user.* FROM user JOIN passwordReset ON passwordReset.userId = user.id
                    WHERE passwordReset.tokenHash = ? AND passwordReset.usedAt IS NULL AND passwordReset.expiresAt > ?
                    """,
                arguments: [tokenHash, now]
            )
        }
        guard let owner else { throw Self.invalidResetLink }
        try AccountRules.checkPassword(newPassword, email: owner.email)
        let newHash = try await hasher.hash(newPassword)
        let applied = try await database.write { db -> Bool in
            try db.execute(
                sql: "UPDATE passwordReset SET usedAt = ? WHERE tokenHash = ? AND usedAt IS NULL AND expiresAt > ?",
                arguments: [now, tokenHash, now]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "UPDATE user SET passwordHash = ?, updatedAt = ? WHERE id = ?", arguments: [newHash, now, owner.id])
            try Self.revokeSessions(db, userID: owner.id, reason: "password reset", at: now)
            return true
        }
        guard applied else { throw Self.invalidResetLink }
        return owner.id
    }

    static let invalidResetLink = AppError(
        .validationFailed,
        "This reset link is invalid or has expired. Ask for a new one.",
        fields: ["token": "is invalid or expired"]
    )
}
