import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

@Suite struct AuthRoutesTests {
    @Test func registerSetsSessionCookiesAndReturnsUserAndAccessToken() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let response = try await browser.register()
            #expect(response.status == .created)
            let body = try response.json()
            let user = try #require(body["user"] as? [String: Any])
            #expect(user["email"] as? String == "lan@example.vn")
            #expect(user["role"] as? String == "customer")
            #expect(user["passwordHash"] == nil)
            #expect((body["accessToken"] as? String)?.split(separator: ".").count == 3)
            #expect(body["refreshToken"] == nil)

            let access = try #require(response.setCookie(SessionCookies.access))
            #expect(access.contains("HttpOnly") && access.contains("SameSite=Lax") && access.contains("Max-Age=900") && !access.contains("Secure"))
            let refresh = try #require(response.setCookie(SessionCookies.refresh))
            #expect(refresh.contains("HttpOnly") && refresh.contains("Path=/api/v1/auth") && refresh.contains("Max-Age=2592000"))
            let csrf = try #require(response.setCookie(SessionCookies.csrf))
            #expect(!csrf.contains("HttpOnly"))
            #expect(response.headers[.cacheControl] == "no-store")
        }
    }

    @Test func sessionCookiesAreSecureWhenServingTLS() async throws {
        let shop = try ShopFixture(tlsEnabled: true)
        try await shop.app.test(.router) { client in
            let response = try await Browser(client).register()
            for name in [SessionCookies.access, SessionCookies.refresh, SessionCookies.csrf] {
                #expect(response.setCookie(name)?.contains("; Secure") == true, "\(name) is not Secure")
            }
            #expect(response.headers[.strictTransportSecurity] != nil)
        }
    }

    @Test func clientSetRoleIsIgnoredOnRegister() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let response = try await Browser(client).send(
                .post,
                "/api/v1/auth/register",
                json: #"{"email":"x@example.vn","password":"banhmi2024","name":"X","role":"admin"}"#
            )
            #expect((try response.json()["user"] as? [String: Any])?["role"] as? String == "customer")
        }
    }

    @Test func badRegistrationsAre400WithFieldsAndDuplicatesAre409() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let weak = try await browser.register(password: "short")
            #expect(weak.status == .badRequest)
            #expect(((try weak.json()["error"] as? [String: Any])?["fields"] as? [String: String])?["password"] != nil)
            let wrongType = try await browser.send(.post, "/api/v1/auth/register", json: #"{"email":1,"password":"x","name":"y"}"#)
            #expect(wrongType.status == .badRequest)
            try await browser.register()
            let duplicate = try await Browser(client).register("LAN@example.vn")
            #expect(duplicate.status == .conflict)
        }
    }

    @Test func protectedRoutesTakeTheCookieOrABearerToken() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/api/v1/auth/me", method: .get)
            #expect(anonymous.status == .unauthorized)

            let browser = Browser(client)
            let token = try #require(try await browser.register().json()["accessToken"] as? String)
            let viaCookie = try await browser.send(.get, "/api/v1/auth/me")
            #expect(viaCookie.status == .ok)
            #expect(try viaCookie.json()["email"] as? String == "lan@example.vn")

            let viaBearer = try await client.execute(uri: "/api/v1/auth/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(viaBearer.status == .ok)
            let forged = try await client.execute(uri: "/api/v1/auth/me", method: .get, headers: [.authorization: "Bearer \(token.dropLast(2))xx"])
            #expect(forged.status == .unauthorized)
        }
    }

    @Test func accessTokensExpireAfterFifteenMinutesAndRefreshRenewsThem() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let token = try #require(try await browser.register().json()["accessToken"] as? String)
            shop.clock.advance(by: 15 * 60 + 1)
            let expired = try await client.execute(uri: "/api/v1/auth/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(expired.status == .unauthorized)
            let refreshed = try await browser.send(.post, "/api/v1/auth/refresh")
            #expect(refreshed.status == .ok)
            #expect(try await browser.send(.get, "/api/v1/auth/me").status == .ok)
        }
    }

    @Test func reusedRefreshTokenEndsTheSessionAndClearsCookies() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let owner = Browser(client)
            try await owner.register()
            let stolen = try #require(owner.cookies[SessionCookies.refresh])
            #expect(try await owner.send(.post, "/api/v1/auth/refresh").status == .ok)
            shop.clock.advance(by: 31)  // past the grace window for two tabs refreshing at once

            // An API client replays the stolen token in the body.
            let replay = try await client.execute(
                uri: "/api/v1/auth/refresh",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"refreshToken":"\#(stolen)"}"#)
            )
            #expect(replay.status == .unauthorized)
            #expect(replay.setCookie(SessionCookies.access)?.contains("Max-Age=0") == true)

            let afterTheft = try await owner.send(.post, "/api/v1/auth/refresh")
            #expect(afterTheft.status == .unauthorized)
            #expect(try await owner.send(.get, "/api/v1/auth/me").status == .unauthorized)
        }
    }

    @Test func logoutRevokesTheSessionAndClearsCookies() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            let accessCookie = try #require(browser.cookies[SessionCookies.access])
            let logout = try await browser.send(.post, "/api/v1/auth/logout")
            #expect(logout.status == .noContent)
            #expect(browser.cookies.isEmpty)
            let replayed = try await client.execute(
                uri: "/api/v1/auth/me",
                method: .get,
                headers: [.cookie: "\(SessionCookies.access)=\(accessCookie)"]
            )
            #expect(replayed.status == .unauthorized)
        }
    }

    @Test func signingOutEverywhereEndsEverySessionOfTheUser() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let phone = Browser(client)
            try await phone.register()
            let laptop = Browser(client)
            try await laptop.login("lan@example.vn", "banhmi2024")
            let other = Browser(client)
            try await other.register("mai@example.vn")
            #expect(try await laptop.send(.get, "/api/v1/auth/me").status == .ok)

            #expect(try await Browser(client).send(.post, "/api/v1/auth/logout-all").status == .unauthorized)
            let signedOut = try await phone.send(.post, "/api/v1/auth/logout-all")
            #expect(signedOut.status == .noContent)
            #expect(phone.cookies.isEmpty)
            #expect(try await laptop.send(.get, "/api/v1/auth/me").status == .unauthorized)
            #expect(try await laptop.send(.post, "/api/v1/auth/refresh").status == .unauthorized)
            #expect(try await other.send(.get, "/api/v1/auth/me").status == .ok)
        }
    }

    @Test func cookieRequestsWithoutTheCSRFTokenAreRefused() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let token = try #require(try await browser.register().json()["accessToken"] as? String)
            let patch = #"{"name":"Lan Nguyen"}"#
            let missing = try await browser.send(.patch, "/api/v1/auth/me", json: patch, csrf: false)
            #expect(missing.status == .forbidden)
            #expect(missing.errorCode == "forbidden")
            let wrong = try await browser.send(
                .patch,
                "/api/v1/auth/me",
                json: patch,
                csrf: false,
                headers: [HTTPField.Name("X-CSRF-Token")!: "guess"]
            )
            #expect(wrong.status == .forbidden)
            #expect(try await browser.send(.post, "/api/v1/auth/logout", csrf: false).status == .forbidden)
            #expect(try await browser.send(.patch, "/api/v1/auth/me", json: patch).status == .ok)

            // Bearer clients carry no ambient credentials and need no CSRF token.
            let bearer = try await client.execute(
                uri: "/api/v1/auth/me",
                method: .patch,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: patch)
            )
            #expect(bearer.status == .ok)
        }
    }

    @Test func profileUpdateChangesPasswordOnlyWithTheCurrentOne() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            let wrong = try await browser.send(.patch, "/api/v1/auth/me", json: #"{"newPassword":"eclair2024","currentPassword":"nope"}"#)
            #expect(wrong.status == .badRequest)
            let ok = try await browser.send(
                .patch,
                "/api/v1/auth/me",
                json: #"{"phone":"0901234567","newPassword":"eclair2024","currentPassword":"banhmi2024"}"#
            )
            #expect(ok.status == .ok)
            #expect(try ok.json()["phone"] as? String == "0901234567")
            #expect(try await Browser(client).login("lan@example.vn", "eclair2024").status == .ok)
        }
    }
}
