import Foundation
import Synchronization
import Testing

@testable import Storage

@Suite struct AccountServiceTests {
    @Test func registerNormalisesEmailAndRejectsDuplicatesInAnyCase() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer("  Lan@Example.VN ")
        #expect(user.email == "lan@example.vn")
        #expect(user.role == .customer)
        await #expect(throws: AppError(.conflict, "An account with this email already exists.", fields: ["email": "is already registered"])) {
            try await fixture.registerCustomer("LAN@example.vn")
        }
    }

    @Test(arguments: [
        ("short1", "must be at least 8 characters"),
        ("onlyletters", "must contain at least one letter and one digit"),
        ("12345678", "must contain at least one letter and one digit"),
        (String(repeating: "a1", count: 37), "must be at most 72 bytes"),
    ])
    func weakPasswordsAreRefusedWithTheReason(password: String, reason: String) async throws {
        let fixture = try AccountFixture()
        await #expect(throws: AppError.validation("The password is too weak.", fields: ["password": reason])) {
            try await fixture.registerCustomer(password: password)
        }
    }

    @Test func invalidEmailNameAndPhoneNameTheirField() async throws {
        let fixture = try AccountFixture()
        for (email, name, phone, field) in [
            ("not-an-email", "Lan", nil, "email"), ("a@b.vn", "   ", nil, "name"), ("a@b.vn", "Lan", "12ab", "phone"),
            ("lan\u{0}@b.vn", "Lan", nil, "email"), ("lan@b.vn\u{1B}", "Lan", nil, "email"), ("lan\u{7F}@b.vn", "Lan", nil, "email"),
        ] as [(String, String, String?, String)] {
            let error = await #expect(throws: AppError.self) {
                try await fixture.accounts.register(email: email, password: "banhmi2024", name: name, phone: phone)
            }
            #expect(error?.code == .validationFailed)
            #expect(error?.fields[field] != nil)
        }
    }

    @Test func authenticateFailsAlikeForUnknownEmailAndWrongPassword() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        let unknown = await #expect(throws: AppError.self) {
            try await fixture.accounts.authenticate(email: "who@example.vn", password: "banhmi2024")
        }
        let wrong = await #expect(throws: AppError.self) { try await fixture.accounts.authenticate(email: "lan@example.vn", password: "wrong2024") }
        #expect(unknown == wrong)
        #expect(unknown?.code == .unauthorized)
        let user = try await fixture.accounts.authenticate(email: "LAN@example.vn", password: "banhmi2024")
        #expect(user.email == "lan@example.vn")
    }

    @Test func passwordsAreStoredAsBcryptHashesOnly() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        let hash = try await fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT passwordHash FROM user") }
        #expect(hash?.hasPrefix("$2b$04$") == true)
        #expect(hash?.contains("banhmi2024") == false)
    }

    @Test func disabledUsersCannotSignInAndTheirSessionsEnd() async throws {
        let fixture = try AccountFixture()
        let admin = try await fixture.accounts.createAdmin(email: "boss@example.vn", password: "bakery2024").0
        let adminSession = try await fixture.accounts.startSession(for: admin)
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        _ = try await fixture.accounts.updateUser(
            id: user.id,
            .init(isDisabled: true),
            by: Identity(user: admin, sessionID: adminSession.sessionID)
        )
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) == nil)
        let error = await #expect(throws: AppError.self) { try await fixture.accounts.authenticate(email: user.email, password: "banhmi2024") }
        #expect(error?.code == .forbidden)
        await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: session.refreshToken) }
    }

    @Test func adminsCannotDemoteOrDisableThemselves() async throws {
        let fixture = try AccountFixture()
        let (admin, created) = try await fixture.accounts.createAdmin(email: "boss@example.vn", password: "bakery2024")
        #expect(created)
        let identity = Identity(user: admin, sessionID: "s")
        for change in [AccountService.UserChange(role: .customer), AccountService.UserChange(isDisabled: true)] {
            let error = await #expect(throws: AppError.self) { try await fixture.accounts.updateUser(id: admin.id, change, by: identity) }
            #expect(error?.code == .conflict)
        }
    }

    @Test func createAdminPromotesAnExistingAccountWithTheNewPassword() async throws {
        let fixture = try AccountFixture()
        let customer = try await fixture.registerCustomer()
        let (admin, created) = try await fixture.accounts.createAdmin(email: "LAN@example.vn", password: "newpass2024")
        #expect(!created)
        #expect(admin.id == customer.id && admin.role == .admin)
        _ = try await fixture.accounts.authenticate(email: "lan@example.vn", password: "newpass2024")
    }

    @Test func listUsersSearchesAndPages() async throws {
        let fixture = try AccountFixture()
        for index in 0..<5 {
            _ = try await fixture.registerCustomer("user\(index)@example.vn")
            fixture.clock.advance(by: 1)
        }
        _ = try await fixture.registerCustomer("100%_real@example.vn")
        let page = try await fixture.accounts.listUsers(search: "user", page: PageRequest(page: 2, limit: 2))
        #expect(page.total == 5)
        #expect(page.items.map(\.email) == ["user2@example.vn", "user1@example.vn"])
        let literal = try await fixture.accounts.listUsers(search: "%_", page: PageRequest())
        #expect(literal.items.map(\.email) == ["100%_real@example.vn"])
    }

    @Test func pageRequestsOutOfRangeAreValidationErrors() {
        #expect(throws: AppError.self) { try PageRequest(page: 0) }
        #expect(throws: AppError.self) { try PageRequest(limit: 101) }
        #expect(throws: AppError.self) { try PageRequest(limit: 0) }
    }
}

/// Counts the bcrypt work a sign-in does.
private final class CountingHasher: PasswordHasher {
    let inner = BcryptPasswordHasher(cost: 4)
    private let verifications = Mutex(0)

    var verifyCount: Int { verifications.withLock { $0 } }

    func hash(_ password: String) async throws -> String { try await inner.hash(password) }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        verifications.withLock { $0 += 1 }
        return try await inner.verify(password, against: hash)
    }
}

@Suite struct SignInTimingTests {
    /// An unknown email costs one bcrypt verification, like a wrong password, so response time does not
    /// tell whether an account exists.
    @Test func unknownEmailsCostABcryptVerificationLikeWrongPasswords() async throws {
        let hasher = CountingHasher()
        let database = try AppDatabase.inMemory()
        let accounts = AccountService(
            database: database,
            hasher: hasher,
            jobs: JobQueue(database: database, clock: ManualClock()),
            clock: ManualClock()
        )
        _ = try await accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        _ = try? await accounts.authenticate(email: "lan@example.vn", password: "wrong2024")
        #expect(hasher.verifyCount == 1)
        _ = try? await accounts.authenticate(email: "nobody@example.vn", password: "wrong2024")
        #expect(hasher.verifyCount == 2)
        _ = try? await accounts.authenticate(email: "nobody2@example.vn", password: "wrong2024")
        #expect(hasher.verifyCount == 3)
    }
}
