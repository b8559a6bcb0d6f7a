import Foundation

/// What a person may do in the shop.
public enum UserRole: String, Sendable, Codable, CaseIterable {
    case customer
    case admin
}

/// A shop account as the rest of the system sees it. It never carries the password hash,
/// so no response built from it can leak one.
public struct User: Sendable, Equatable, Codable {
    public var id: String
    public var email: String
    public var name: String
    public var phone: String?
    public var role: UserRole
    public var isDisabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String,
        email: String,
        name: String,
        phone: String?,
        role: UserRole,
        isDisabled: Bool,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.phone = phone
        self.role = role
        self.isDisabled = isDisabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A signed-in user and the session their credentials belong to.
public struct Identity: Sendable, Equatable {
    public var user: User
    public var sessionID: String

    public init(user: User, sessionID: String) {
        self.user = user
        self.sessionID = sessionID
    }
}
