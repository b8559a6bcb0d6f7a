import Foundation
import GRDB
import Logging
import Synchronization

/// Lifetimes and links the account flows use.
public struct AccountSettings: Sendable {
    /// How long a refresh token (and so a quiet session) lives: 30 days.
    public var refreshTokenLifetime: TimeInterval
    /// How long a password-reset link works: 30 minutes.
    public var passwordResetLifetime: TimeInterval
    /// The storefront address that reset links in emails point to.
    public var publicBaseURL: String
    /// How long a just-rotated refresh token still rotates (two tabs refreshing at once): 30 seconds.
    /// After that, presenting it again means it was copied, and the session is revoked.
    public var refreshReuseGrace: TimeInterval
    /// Reset emails one account may be sent per hour (so the form cannot flood someone's inbox): 3.
    public var passwordResetsPerHour: Int

    public init(
        refreshTokenLifetime: TimeInterval = 30 * 24 * 3600,
        passwordResetLifetime: TimeInterval = 30 * 60,
        publicBaseURL: String = "http://127.0.0.1:8080",
        refreshReuseGrace: TimeInterval = 30,
        passwordResetsPerHour: Int = 3
    ) {
        self.refreshTokenLifetime = refreshTokenLifetime
        self.passwordResetLifetime = passwordResetLifetime
        self.publicBaseURL = publicBaseURL
        self.refreshReuseGrace = refreshReuseGrace
        self.passwordResetsPerHour = passwordResetsPerHour
    }
}

/// Accounts: registration, sign-in, profiles, sessions with rotating refresh tokens, password resets,
/// and the admin's view of users. Each operation runs in one transaction; password hashing runs before
/// the transaction, never inside it, so the write lock is never held for a bcrypt round.
public final class AccountService: Sendable {
    let database: AppDatabase
    let hasher: any PasswordHasher
    /// Emails (welcome, password reset) are jobs enqueued in the same transaction as the change.
    let jobs: JobQueue
    let clock: any AppClock
    let settings: AccountSettings
    let logger: Logger
    /// A hash of a random password, verified against when an email is unknown so that a failed sign-in
    /// takes as long for a missing account as for a wrong password.
    private let decoyHash = Mutex<String?>(nil)
    /// The identities of open sessions, checked on every authenticated request without a database read; any change
    /// to a user, or to whom a session belongs or whether it is revoked (sign-out, disabling, a role or password
    /// change), forgets them all at once. A refresh rotation (`session.lastUsedAt`) does not, and neither does the
    /// pruner's deleting sessions: it deletes only sessions revoked long ago (forgotten when revoked) and sessions quiet
    /// for longer than the retention, whose access tokens expired long before.
    let openSessions = CommitScopedCache<SessionKey, Identity>(maxCount: 100_000)

    struct SessionKey: Hashable, Sendable {
        let userID: String
        let sessionID: String
    }

    public init(
        database: AppDatabase,
        hasher: any PasswordHasher,
        jobs: JobQueue,
        clock: any AppClock,
        settings: AccountSettings = AccountSettings(),
        logger: Logger = Logger(label: "klelite.accounts")
    ) {
        self.database = database
        self.hasher = hasher
        self.jobs = jobs
        self.clock = clock
        self.settings = settings
        self.logger = logger
        openSessions.forget(
            onCommittedChangeOf: ["user", "session"],
            ignoringInserts: true,
            updatesOf: ["session": ["id", "userId", "revokedAt"]],
            in: database
        )
    }

    /// Creates a customer account and queues its welcome email, in one transaction.
    /// The email must not be registered yet (in any letter case).
    public func register(email rawEmail: String, password: String, name rawName: String, phone rawPhone: String?) async throws -> User {
        let email = try AccountRules.normalizedEmail(rawEmail)
        let name = try AccountRules.normalizedName(rawName)
        let phone = try AccountRules.normalizedPhone(rawPhone)
        try AccountRules.checkPassword(password, email: email)
        let passwordHash = try await hasher.hash(password)
        let now = clock.now()
        let record = UserRecord(
            id: UUID().uuidString.lowercased(),
            email: email,
            name: name,
            phone: phone,
            role: .customer,
            passwordHash: passwordHash,
            isDisabled: false,
            createdAt: now,
            updatedAt: now
        )
        let welcome = try EmailJob(
            messageID: "welcome-\(record.id)",
            to: email,
            template: .welcome,
            values: ["name": name, "shopURL": settings.publicBaseURL]
        ).request()
        do {
            try await database.write { db in
                try record.insert(db)
                try self.jobs.enqueue(db, welcome)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AppError(.conflict, "An account with this email already exists.", fields: ["email": "is already registered"])
        }
        return record.user
    }

    /// Checks an email and password. Unknown emails and wrong passwords fail alike, in the same time class;
    /// a disabled account fails only after its password was right.
    public func authenticate(email rawEmail: String, password: String) async throws -> User {
        let email = rawEmail.trimmedOfWhitespace.lowercased()
        let record = try await database.read { db in
            try UserRecord.filter(UserRecord.Columns.email == email).fetchOne(db)
        }
        guard let record else {
            _ = try await hasher.verify(password, against: try await decoy())
            throw Self.badCredentials
        }
        guard try await hasher.verify(password, against: record.passwordHash) else { throw Self.badCredentials }
        guard !record.isDisabled else { throw AppError(.forbidden, "This account is disabled. Contact the shop for help.") }
        return record.user
    }

    static let badCredentials = AppError(.unauthorized, "The email or password is not correct.")

    /// The user with this id.
    public func user(id: String) async throws -> User {
        guard let record = try await database.read({ db in try UserRecord.fetchOne(db, key: id) }) else {
            throw AppError.notFound("The user")
        }
        return record.user
    }

    /// What a user may change about themselves; nil leaves a field as it is.
    public struct ProfileChange: Sendable {
        public var name: String?
        /// An empty string removes the phone number.
        public var phone: String?
        public var newPassword: String?
        /// Required with `newPassword`.
        public var currentPassword: String?

        public init(name: String? = nil, phone: String? = nil, newPassword: String? = nil, currentPassword: String? = nil) {
            self.name = name
            self.phone = phone
            self.newPassword = newPassword
            self.currentPassword = currentPassword
        }
    }

    /// Updates the signed-in user's profile. A password change needs the current password and ends
    /// every other session of the user.
    public func updateProfile(_ identity: Identity, _ change: ProfileChange) async throws -> User {
        let name = try change.name.map { name throws(AppError) in try AccountRules.normalizedName(name) }
        let phone = try change.phone.map { phone throws(AppError) in try AccountRules.normalizedPhone(phone) }
        var newHash: String?
        if let newPassword = change.newPassword {
            guard let current = change.currentPassword, !current.isEmpty else {
                throw AppError.validation("Enter your current password to set a new one.", fields: ["currentPassword": "is required"])
            }
            let stored = try await database.read { db in
                try String.fetchOne(db, sql: "SELECT passwordHash FROM user WHERE id = ?", arguments: [identity.user.id])
            }
            guard let stored, try await hasher.verify(current, against: stored) else {
                throw AppError.validation("The current password is not correct.", fields: ["currentPassword": "is not correct"])
            }
            try AccountRules.checkPassword(newPassword, email: identity.user.email, field: "newPassword")
            newHash = try await hasher.hash(newPassword)
        }
        let now = clock.now()
        let passwordHash = newHash
        return try await database.write { db in
            guard var record = try UserRecord.fetchOne(db, key: identity.user.id) else { throw AppError.notFound("The user") }
            if let name { record.name = name }
            if let phone { record.phone = phone }
            if let passwordHash {
                record.passwordHash = passwordHash
                try Self.revokeSessions(db, userID: record.id, except: identity.sessionID, reason: "password changed", at: now)
            }
            record.updatedAt = now
            try record.update(db)
            return record.user
        }
    }

    /// The decoy hash, made once at the configured cost.
    private func decoy() async throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(SecureToken.generate())
        decoyHash.withLock { $0 = $0 ?? hash }
        return hash
    }
}
