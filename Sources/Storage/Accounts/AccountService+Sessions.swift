import Foundation
import GRDB

/// A refresh token handed to a client, with the session it belongs to.
public struct IssuedSession: Sendable, Equatable {
    public let sessionID: String
    /// The raw token; only its hash is stored.
    public let refreshToken: String
    public let refreshTokenExpiresAt: Date
}

extension AccountService {
    /// Starts a session for a user who just proved who they are, with its first refresh token.
    public func startSession(for user: User) async throws -> IssuedSession {
        let now = clock.now()
        let session = SessionRecord(id: UUID().uuidString.lowercased(), userId: user.id, createdAt: now, lastUsedAt: now)
        return try await database.write { db in
            try session.insert(db)
            return try self.issueRefreshToken(db, sessionID: session.id, at: now)
        }
    }

    /// Exchanges a refresh token for a new one in the same session (rotation).
    ///
    /// A token may be used once. Presenting one that was already rotated means it was copied: the whole
    /// session is revoked, so neither the thief nor the owner can continue with it, and the owner signs in again.
    /// Within ``AccountSettings/refreshReuseGrace`` of its rotation a token rotates once more instead: two tabs
    /// of one browser that refresh at the same moment both present it, and the slower one must not end the session.
    public func refreshSession(token: String) async throws -> (Identity, IssuedSession) {
        enum Outcome {
            case rotated(Identity, IssuedSession)
            case invalid
            case reused
        }
        let now = clock.now()
        let outcome: Outcome = try await database.write { db in
            guard let stored = try RefreshTokenRecord.fetchOne(db, key: SecureToken.hash(token)),
                var session = try SessionRecord.fetchOne(db, key: stored.sessionId),
                session.revokedAt == nil
            else { return .invalid }
            if let usedAt = stored.usedAt, now.timeIntervalSince(usedAt) > self.settings.refreshReuseGrace {
                try Self.revoke(db, session: &session, reason: "refresh token reused", at: now)
                return .reused
            }
            guard stored.expiresAt > now,
                let user = try UserRecord.fetchOne(db, key: session.userId), !user.isDisabled
            else { return .invalid }
            try db.execute(sql: "UPDATE refreshToken SET usedAt = ? WHERE tokenHash = ?", arguments: [now, stored.tokenHash])
            // Only the one column: an update naming `revokedAt` would forget every kept session (``openSessions``).
            try db.execute(sql: "UPDATE session SET lastUsedAt = ? WHERE id = ?", arguments: [now, session.id])
            let issued = try self.issueRefreshToken(db, sessionID: session.id, at: now)
            return .rotated(Identity(user: user.user, sessionID: session.id), issued)
        }
        switch outcome {
        case .rotated(let identity, let issued):
            return (identity, issued)
        case .invalid:
            throw AppError(.unauthorized, "Your session has ended. Please sign in again.")
        case .reused:
            logger.warning("refresh token reuse detected; session revoked")
            throw AppError(.unauthorized, "Your session has ended. Please sign in again.")
        }
    }

    /// Ends a session (sign-out). Ending an already ended session is not an error.
    public func endSession(id sessionID: String) async throws {
        let now = clock.now()
        try await database.write { db in
            guard var session = try SessionRecord.fetchOne(db, key: sessionID), session.revokedAt == nil else { return }
            try Self.revoke(db, session: &session, reason: "signed out", at: now)
        }
    }

    /// Ends every open session of a user ("sign out everywhere"): their access and refresh tokens stop working at once.
    public func endAllSessions(userID: String) async throws {
        let now = clock.now()
        try await database.write { db in try Self.revokeSessions(db, userID: userID, reason: "signed out everywhere", at: now) }
    }

    /// Ends the session a refresh token belongs to, when the caller has no valid access token.
    /// Returns the session's id (to close its live streams), or nil when the token names none.
    @discardableResult
    public func endSession(refreshToken: String) async throws -> String? {
        let sessionID = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT sessionId FROM refreshToken WHERE tokenHash = ?", arguments: [SecureToken.hash(refreshToken)])
        }
        if let sessionID { try await endSession(id: sessionID) }
        return sessionID
    }

    /// The identity behind an access token's claims, or nil when the session was ended or the user disabled.
    /// Checked on every authenticated request, so sign-out and disabling take effect at once: answered from memory
    /// (``openSessions``) until a write to users or sessions, here or in another process, forgets it.
    public func identity(userID: String, sessionID: String) async throws -> Identity? {
        try await openSessions.value(for: SessionKey(userID: userID, sessionID: sessionID)) {
            try await storedIdentity(userID: userID, sessionID: sessionID)
        }
    }

    private func storedIdentity(userID: String, sessionID: String) async throws -> Identity? {
        try await database.read { db in
            // Every signed-in request runs this: prepared once per reader connection, not compiled per request.
            let record = try UserRecord.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT user.* FROM user JOIN session ON session.userId = user.id
                        WHERE user.id = ? AND session.id = ? AND session.revokedAt IS NULL AND user.isDisabled = 0
                        """
                ),
                arguments: [userID, sessionID]
            )
            return record.map { Identity(user: $0.user, sessionID: sessionID) }
        }
    }

    func issueRefreshToken(_ db: Database, sessionID: String, at now: Date) throws -> IssuedSession {
        let token = SecureToken.generate()
        let expiresAt = now.addingTimeInterval(settings.refreshTokenLifetime)
        try RefreshTokenRecord(tokenHash: SecureToken.hash(token), sessionId: sessionID, createdAt: now, expiresAt: expiresAt).insert(db)
        return IssuedSession(sessionID: sessionID, refreshToken: token, refreshTokenExpiresAt: expiresAt)
    }

    static func revoke(_ db: Database, session: inout SessionRecord, reason: String, at now: Date) throws {
        session.revokedAt = now
        session.revokedReason = reason
        try session.update(db)
    }

    /// Revokes every open session of a user, except one (the caller's own, when they changed their password).
    static func revokeSessions(_ db: Database, userID: String, except keptSessionID: String? = nil, reason: String, at now: Date) throws {
        try db.execute(
            sql: "UPDATE session SET revokedAt = ?, revokedReason = ? WHERE userId = ? AND revokedAt IS NULL AND id IS NOT ?",
            arguments: [now, reason, userID, keptSessionID]
        )
    }
}
