import Foundation
import Testing

@testable import Storage

@Suite struct SessionTests {
    @Test func refreshRotatesTheTokenWithinTheSameSession() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let first = try await fixture.accounts.startSession(for: user)
        let (identity, second) = try await fixture.accounts.refreshSession(token: first.refreshToken)
        #expect(identity.user.id == user.id)
        #expect(second.sessionID == first.sessionID)
        #expect(second.refreshToken != first.refreshToken)
        let (_, third) = try await fixture.accounts.refreshSession(token: second.refreshToken)
        #expect(third.sessionID == first.sessionID)
    }

    @Test func reusingARotatedRefreshTokenRevokesTheWholeSession() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let stolen = try await fixture.accounts.startSession(for: user)
        let (_, owners) = try await fixture.accounts.refreshSession(token: stolen.refreshToken)
        fixture.clock.advance(by: 31)  // past the grace window for two tabs refreshing at once
        // The thief replays the old token: refused, and the session is over for everyone.
        let replay = await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: stolen.refreshToken) }
        #expect(replay?.code == .unauthorized)
        await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: owners.refreshToken) }
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: stolen.sessionID) == nil)
        // Other sessions of the same user are untouched.
        let other = try await fixture.accounts.startSession(for: user)
        _ = try await fixture.accounts.refreshSession(token: other.refreshToken)
    }

    @Test func refreshTokensExpireAfterThirtyDays() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        fixture.clock.advance(by: 30 * 24 * 3600 + 1)
        await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: session.refreshToken) }
    }

    @Test func endingASessionRevokesItsTokens() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) != nil)
        try await fixture.accounts.endSession(refreshToken: session.refreshToken)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) == nil)
        await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: session.refreshToken) }
        try await fixture.accounts.endSession(id: session.sessionID)
    }

    @Test func refreshTokensAreStoredOnlyAsHashes() async throws {
        let fixture = try AccountFixture()
        let session = try await fixture.accounts.startSession(for: try await fixture.registerCustomer())
        let stored = try await fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT tokenHash FROM refreshToken") }
        #expect(stored == [SecureToken.hash(session.refreshToken)])
    }

    @Test func changingThePasswordNeedsTheCurrentOneAndEndsOtherSessions() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let current = try await fixture.accounts.startSession(for: user)
        let other = try await fixture.accounts.startSession(for: user)
        let identity = Identity(user: user, sessionID: current.sessionID)
        let wrong = await #expect(throws: AppError.self) {
            try await fixture.accounts.updateProfile(identity, .init(newPassword: "croissant99", currentPassword: "nope1234"))
        }
        #expect(wrong?.fields["currentPassword"] != nil)
        let missing = await #expect(throws: AppError.self) {
            try await fixture.accounts.updateProfile(identity, .init(newPassword: "croissant99"))
        }
        #expect(missing?.fields["currentPassword"] == "is required")
        let updated = try await fixture.accounts.updateProfile(
            identity,
            .init(name: " Lan Nguyen ", phone: "+84 901 234 567", newPassword: "croissant99", currentPassword: "banhmi2024")
        )
        #expect(updated.name == "Lan Nguyen" && updated.phone == "+84 901 234 567")
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: current.sessionID) != nil)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: other.sessionID) == nil)
        _ = try await fixture.accounts.authenticate(email: user.email, password: "croissant99")
    }
}

@Suite struct PasswordResetTests {
    @Test func resetTokenWorksOnceAndEndsEverySession() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        try await fixture.accounts.requestPasswordReset(email: "LAN@example.vn")
        let resets = try await fixture.deliveredMail().filter { $0.subject == EmailTemplate.passwordReset.subject }
        #expect(resets.count == 1)
        #expect(resets[0].to == "lan@example.vn")
        #expect(resets[0].textBody.contains("https://shop.example/reset-password.html#token="))
        #expect(resets[0].htmlBody?.contains("https://shop.example/reset-password.html#token=") == true)
        let token = try await fixture.lastResetToken()
        try await fixture.accounts.resetPassword(token: token, newPassword: "eclair2024")
        _ = try await fixture.accounts.authenticate(email: user.email, password: "eclair2024")
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) == nil)
        await #expect(throws: AccountService.invalidResetLink) { try await fixture.accounts.resetPassword(token: token, newPassword: "again2024x") }
    }

    @Test func resetTokenExpiresAfterThirtyMinutes() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        fixture.clock.advance(by: 30 * 60 + 1)
        await #expect(throws: AccountService.invalidResetLink) {
            try await fixture.accounts.resetPassword(token: try await fixture.lastResetToken(), newPassword: "eclair2024")
        }
    }

    @Test func aNewRequestReplacesTheEarlierLink() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        let first = try await fixture.lastResetToken()
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        await #expect(throws: AccountService.invalidResetLink) { try await fixture.accounts.resetPassword(token: first, newPassword: "eclair2024") }
        try await fixture.accounts.resetPassword(token: try await fixture.lastResetToken(), newPassword: "eclair2024")
    }

    @Test func unknownOrDisabledAddressesGetNoEmailAndNoError() async throws {
        let fixture = try AccountFixture()
        try await fixture.accounts.requestPasswordReset(email: "nobody@example.vn")
        try await fixture.accounts.requestPasswordReset(email: "not an email")
        #expect(try await fixture.deliveredMail().isEmpty)
    }

    @Test func weakNewPasswordKeepsTheTokenUsable() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        let token = try await fixture.lastResetToken()
        await #expect(throws: AppError.self) { try await fixture.accounts.resetPassword(token: token, newPassword: "short") }
        try await fixture.accounts.resetPassword(token: token, newPassword: "eclair2024")
    }
}
