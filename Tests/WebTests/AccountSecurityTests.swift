import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

@Suite struct AccountSecurityTests {
    @Test func adminRoutesAre401AnonymousAnd403ForCustomers() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            #expect(try await client.execute(uri: "/api/v1/admin/users", method: .get).status == .unauthorized)
            let customer = Browser(client)
            try await customer.register()
            let forbidden = try await customer.send(.get, "/api/v1/admin/users")
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.errorCode == "forbidden")

            let admin = Browser(client)
            #expect(try await admin.login("boss@klelite.vn", "bakery2024").status == .ok)
            let list = try await admin.send(.get, "/api/v1/admin/users?q=lan&page=1&limit=10")
            #expect(list.status == .ok)
            let body = try list.json()
            #expect(body["total"] as? Int == 1 && body["page"] as? Int == 1 && body["limit"] as? Int == 10)
            #expect(((body["items"] as? [[String: Any]])?.first?["email"]) as? String == "lan@example.vn")
            #expect(try await admin.send(.get, "/api/v1/admin/users?limit=500").status == .badRequest)
            #expect(try await admin.send(.get, "/api/v1/admin/users?page=abc").status == .badRequest)
        }
    }

    @Test func disablingAUserStopsTheirTokensAndSignIns() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            let customer = Browser(client)
            let userID = try #require((try await customer.register().json()["user"] as? [String: Any])?["id"] as? String)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let disabled = try await admin.send(.patch, "/api/v1/admin/users/\(userID)", json: #"{"disabled":true}"#)
            #expect(disabled.status == .ok)
            #expect(try disabled.json()["disabled"] as? Bool == true)
            #expect(try await customer.send(.get, "/api/v1/auth/me").status == .unauthorized)
            #expect(try await customer.send(.post, "/api/v1/auth/refresh").status == .unauthorized)
            #expect(try await Browser(client).login("lan@example.vn", "banhmi2024").status == .forbidden)

            #expect(try await admin.send(.patch, "/api/v1/admin/users/\(userID)", json: #"{"role":"baker"}"#).status == .badRequest)
            #expect(try await admin.send(.patch, "/api/v1/admin/users/nope", json: #"{"role":"admin"}"#).status == .notFound)
        }
    }

    @Test func loginIsThrottledPerIPWithRetryAfterUntilTheClockMoves() async throws {
        let shop = try ShopFixture(authRatePerMinute: 10)
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            for _ in 0..<10 {
                #expect(try await browser.login("who@example.vn", "wrong2024").status == .unauthorized)
            }
            let limited = try await browser.login("who@example.vn", "wrong2024")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.headers[.retryAfter] == "60")
            shop.clock.advance(by: 60)
            #expect(try await browser.login("who@example.vn", "wrong2024").status == .unauthorized)
        }
    }

    /// Failed sign-ins as someone from other addresses must not lock that someone out; guesses at one account
    /// from one address are still throttled.
    @Test func throttleCountsPerAccountAndAddressSoNobodyCanLockAVictimOut() async {
        let clock = ManualClock()
        let throttle = AuthThrottle(limiter: InMemoryRateLimiter(clock: clock), perMinute: 3)
        for index in 0..<6 {
            try? await throttle.check(ip: "198.51.100.\(index / 2)", account: "Lan@example.vn")
        }
        for _ in 0..<3 {
            await #expect(throws: Never.self) { try await throttle.check(ip: "203.0.113.9", account: "lan@example.vn") }
        }
        let error = await #expect(throws: AppError.self) { try await throttle.check(ip: "203.0.113.9", account: "lan@example.vn") }
        #expect(error?.code == .rateLimited)
        #expect(error?.retryAfter == 60)
        // The owner, from their own address, is not affected by any of that.
        await #expect(throws: Never.self) { try await throttle.check(ip: "192.0.2.1", account: "lan@example.vn") }
    }

    @Test func forgotAlwaysAnswers202AndResetWorksOnceWithTheEmailedToken() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            let unknown = try await browser.send(.post, "/api/v1/auth/password/forgot", json: #"{"email":"nobody@example.vn"}"#)
            let known = try await browser.send(.post, "/api/v1/auth/password/forgot", json: #"{"email":"lan@example.vn"}"#)
            #expect(unknown.status == .accepted && known.status == .accepted)
            #expect(String(buffer: unknown.body) == String(buffer: known.body))

            let email = try #require(try await shop.deliveredMail().last { $0.contains("#token=") })
            let start = try #require(email.range(of: "#token=")).upperBound
            let resetToken = String(email[start...].prefix { !$0.isWhitespace })
            let reset = #"{"token":"\#(resetToken)","password":"eclair2024"}"#
            #expect(try await browser.send(.post, "/api/v1/auth/password/reset", json: reset).status == .noContent)
            #expect(try await browser.send(.post, "/api/v1/auth/password/reset", json: reset).status == .badRequest)
            #expect(try await browser.send(.get, "/api/v1/auth/me").status == .unauthorized)
            #expect(try await Browser(client).login("lan@example.vn", "eclair2024").status == .ok)
        }
    }

    /// Walks every account flow and checks no response, header or body, holds a password hash, a token hash,
    /// or a password in clear.
    @Test func noResponseEverContainsAPasswordOrTokenHash() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        let transcripts = try await shop.app.test(.router) { client in
            let customer = Browser(client)
            let userID = try #require((try await customer.register().json()["user"] as? [String: Any])?["id"] as? String)
            try await customer.send(.get, "/api/v1/auth/me")
            try await customer.send(.patch, "/api/v1/auth/me", json: #"{"name":"Lan N"}"#)
            try await customer.send(.post, "/api/v1/auth/refresh")
            try await customer.send(.post, "/api/v1/auth/password/forgot", json: #"{"email":"lan@example.vn"}"#)
            try await customer.login("lan@example.vn", "wrong-pass-1")
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            try await admin.send(.get, "/api/v1/admin/users")
            try await admin.send(.patch, "/api/v1/admin/users/\(userID)", json: #"{"role":"admin"}"#)
            try await customer.send(.post, "/api/v1/auth/logout")
            return customer.transcript + admin.transcript
        }
        let secrets = try await shop.database.writer.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT passwordHash FROM user UNION ALL SELECT tokenHash FROM refreshToken UNION ALL SELECT tokenHash FROM passwordReset"
            )
        }
        #expect(secrets.count >= 5)
        for transcript in transcripts {
            #expect(!transcript.contains("$2b$"))
            #expect(!transcript.contains("banhmi2024") && !transcript.contains("bakery2024"))
            for secret in secrets { #expect(!transcript.contains(secret)) }
        }
    }
}
