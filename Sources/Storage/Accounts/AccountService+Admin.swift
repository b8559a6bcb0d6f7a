import Foundation
import GRDB

extension AccountService {
    /// Users for the admin list, newest first unless `sort` says otherwise, optionally matching `search` in email or name.
    public func listUsers(search: String?, sort: ListSort<UserSortKey> = .newestUsers, page: PageRequest) async throws -> Page<User> {
        let term = search?.trimmedOfWhitespace ?? ""
        return try await database.read { db in
            var request = UserRecord.all()
            if !term.isEmpty {
                let pattern =
                    "%"
                    + term.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                request = request.filter(
                    sql: "email LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'",
                    arguments: [pattern, pattern]
                )
            }
            let total = try request.fetchCount(db)
            let records = try request.order(sql: sort.orderBy)
                .limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: records.map(\.user), request: page, total: total)
        }
    }

    /// An admin's change to a user; nil leaves a field as it is.
    public struct UserChange: Sendable {
        public var role: UserRole?
        public var isDisabled: Bool?

        public init(role: UserRole? = nil, isDisabled: Bool? = nil) {
            self.role = role
            self.isDisabled = isDisabled
        }
    }

    /// Changes a user's role or disabled flag. Admins cannot demote or disable themselves (the shop would
    /// be left without a way in); disabling a user ends all their sessions at once.
    public func updateUser(id: String, _ change: UserChange, by actor: Identity) async throws -> User {
        if id == actor.user.id, change.role == .customer || change.isDisabled == true {
            throw AppError(.conflict, "You cannot demote or disable your own account.")
        }
        let now = clock.now()
        return try await database.write { db in
            guard var record = try UserRecord.fetchOne(db, key: id) else { throw AppError.notFound("The user") }
            if let role = change.role { record.role = role }
            if let disabled = change.isDisabled {
                if disabled && !record.isDisabled {
                    try Self.revokeSessions(db, userID: record.id, reason: "account disabled", at: now)
                }
                record.isDisabled = disabled
            }
            record.updatedAt = now
            try record.update(db)
            return record.user
        }
    }

    /// Creates an admin account, or — when the email is already registered — makes that account an
    /// enabled admin with the given password (the operator's way back in). Returns whether it was created.
    public func createAdmin(email rawEmail: String, password: String, name rawName: String = "Administrator") async throws -> (User, created: Bool) {
        let email = try AccountRules.normalizedEmail(rawEmail)
        let name = try AccountRules.normalizedName(rawName)
        try AccountRules.checkPassword(password, email: email)
        let passwordHash = try await hasher.hash(password)
        let now = clock.now()
        return try await database.write { db in
            if var existing = try UserRecord.filter(UserRecord.Columns.email == email).fetchOne(db) {
                existing.role = .admin
                existing.isDisabled = false
                existing.passwordHash = passwordHash
                existing.updatedAt = now
                try existing.update(db)
                try Self.revokeSessions(db, userID: existing.id, reason: "password set by operator", at: now)
                return (existing.user, false)
            }
            let record = UserRecord(
                id: UUID().uuidString.lowercased(),
                email: email,
                name: name,
                phone: nil,
                role: .admin,
                passwordHash: passwordHash,
                isDisabled: false,
                createdAt: now,
                updatedAt: now
            )
            try record.insert(db)
            return (record.user, true)
        }
    }
}
