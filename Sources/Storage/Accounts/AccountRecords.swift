import Foundation
import GRDB

/// A row of `user`.
struct UserRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "user"

    var id: String
    var email: String
    var name: String
    var phone: String?
    var role: UserRole
    var passwordHash: String
    var isDisabled: Bool
    var createdAt: Date
    var updatedAt: Date

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let email = Column(CodingKeys.email)
        static let name = Column(CodingKeys.name)
        static let role = Column(CodingKeys.role)
        static let isDisabled = Column(CodingKeys.isDisabled)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    /// The public view of the row, without the password hash.
    var user: User {
        User(
            id: id,
            email: email,
            name: name,
            phone: phone,
            role: role,
            isDisabled: isDisabled,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }
}

/// A row of `session`: one sign-in, which its refresh tokens rotate within.
struct SessionRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "session"

    var id: String
    var userId: String
    var createdAt: Date
    var lastUsedAt: Date
    var revokedAt: Date?
    var revokedReason: String?

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let userId = Column(CodingKeys.userId)
        static let revokedAt = Column(CodingKeys.revokedAt)
        static let revokedReason = Column(CodingKeys.revokedReason)
    }
}

/// A row of `refreshToken`: the SHA-256 of one refresh token; `usedAt` is set when it is rotated.
struct RefreshTokenRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "refreshToken"

    var tokenHash: String
    var sessionId: String
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}

/// A row of `passwordReset`: the SHA-256 of a one-time reset token.
struct PasswordResetRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "passwordReset"

    var tokenHash: String
    var userId: String
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?

    enum Columns {
        static let userId = Column(CodingKeys.userId)
        static let usedAt = Column(CodingKeys.usedAt)
        static let createdAt = Column(CodingKeys.createdAt)
    }
}
