import Foundation
import Testing

@testable import Storage

/// Sessions survive their owner's own browser, and the account flows cannot be turned against their owner.
@Suite struct SessionAbuseTests {
    @Test func twoTabsRefreshingAtOnceKeepTheSession() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        // Both tabs present the same token; the slower one arrives after the first rotated it.
        let (_, first) = try await fixture.accounts.refreshSession(token: session.refreshToken)
        fixture.clock.advance(by: 2)
        let (identity, second) = try await fixture.accounts.refreshSession(token: session.refreshToken)
        #expect(identity.sessionID == session.sessionID)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) != nil)
        // Either tab goes on refreshing with what it was given.
        _ = try await fixture.accounts.refreshSession(token: first.refreshToken)
        _ = try await fixture.accounts.refreshSession(token: second.refreshToken)
        // Past the grace window, the old token is a copy: the session ends.
        fixture.clock.advance(by: 60)
        await #expect(throws: AppError.self) { try await fixture.accounts.refreshSession(token: session.refreshToken) }
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) == nil)
    }

    @Test func resetEmailsAreCappedPerAccountPerHour() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        _ = try await fixture.registerCustomer("minh@example.vn")
        for _ in 0..<6 { try await fixture.accounts.requestPasswordReset(email: "lan@example.vn") }
        try await fixture.accounts.requestPasswordReset(email: "minh@example.vn")
        func resets(to address: String) async throws -> Int {
            try await fixture.deliveredMail().filter { $0.subject == EmailTemplate.passwordReset.subject && $0.to.contains(address) }.count
        }
        #expect(try await resets(to: "lan@example.vn") == 3)
        #expect(try await resets(to: "minh@example.vn") == 1)
        fixture.clock.advance(by: 3601)
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        #expect(try await resets(to: "lan@example.vn") == 4)
    }

    @Test func resetAndSignOutByRefreshTokenNameWhatTheyEnded() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        #expect(try await fixture.accounts.endSession(refreshToken: session.refreshToken) == session.sessionID)
        #expect(try await fixture.accounts.endSession(refreshToken: "unknown") == nil)
        try await fixture.accounts.requestPasswordReset(email: "lan@example.vn")
        #expect(try await fixture.accounts.resetPassword(token: try await fixture.lastResetToken(), newPassword: "eclair2024") == user.id)
    }
}
