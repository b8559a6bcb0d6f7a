import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Storage
@testable import Web

/// Sessions survive their owners' browsers and proxies, and the sign-in routes cannot be turned against users.
@Suite struct SessionAbuseRoutesTests {
    static let login = #"{"email":"lan@example.vn","password":"banhmi2024"}"#

    @Test func signInAndRegisterRefuseAnotherSitesOrigin() async throws {
        let shop = try ShopFixture { $0.corsOrigins = ["https://app.klelite.vn"] }
        try await shop.app.test(.router) { client in
            try await Browser(client).register()
            for origin in ["https://evil.example", "null", "http://localhost.evil.example"] {
                let login = try await Browser(client).send(.post, "/api/v1/auth/login", json: Self.login, headers: [.origin: origin])
                #expect(login.status == .forbidden, "\(origin)")
                #expect(login.setCookie(SessionCookies.access) == nil)
                let register = try await Browser(client).send(
                    .post,
                    "/api/v1/auth/register",
                    json: #"{"email":"x@example.vn","password":"banhmi2024","name":"X"}"#,
                    headers: [.origin: origin]
                )
                #expect(register.status == .forbidden, "\(origin)")
            }
            // The shop's own host (the router tests' authority is localhost) and a configured origin may.
            for origin in ["http://localhost", "https://app.klelite.vn"] {
                #expect(try await Browser(client).send(.post, "/api/v1/auth/login", json: Self.login, headers: [.origin: origin]).status == .ok)
            }
        }
    }

    @Test func secureCookiesAndHSTSFollowAnHTTPSPublicURL() async throws {
        let shop = try ShopFixture { $0.publicURL = "https://shop.klelite.vn" }
        try await shop.app.test(.router) { client in
            let response = try await Browser(client).register()
            for name in [SessionCookies.access, SessionCookies.refresh, SessionCookies.csrf] {
                #expect(response.setCookie(name)?.contains("; Secure") == true, "\(name) is not Secure")
            }
            #expect(response.headers[.strictTransportSecurity] != nil)
            // The shop's public origin may sign in.
            let login = try await Browser(client).send(.post, "/api/v1/auth/login", json: Self.login, headers: [.origin: "https://shop.klelite.vn"])
            #expect(login.status == .ok)
        }
        let plain = try ShopFixture { $0.publicURL = "http://shop.klelite.vn" }
        try await plain.app.test(.router) { client in
            let response = try await Browser(client).register()
            #expect(response.setCookie(SessionCookies.access)?.contains("Secure") == false)
            #expect(response.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test func passwordChangesAreThrottledLikeSignIns() async throws {
        let shop = try ShopFixture(authRatePerMinute: 3)
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                let guess = try await browser.send(.patch, "/api/v1/auth/me", json: #"{"newPassword":"eclair2024","currentPassword":"guess1234"}"#)
                statuses.append(guess.status)
            }
            #expect(statuses.first == .badRequest)
            #expect(statuses.last == .tooManyRequests)
            // Profile edits without a password change are not counted.
            #expect(try await browser.send(.patch, "/api/v1/auth/me", json: #"{"name":"Lan N"}"#).status == .ok)
        }
    }

    @Test func refreshAndLogoutWorkWithAnExpiredBearerToken() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let token = try #require(try await browser.register().json()["accessToken"] as? String)
            shop.clock.advance(by: 16 * 60)
            let expired: HTTPFields = [.authorization: "Bearer \(token)"]
            let refreshed = try await browser.send(.post, "/api/v1/auth/refresh", headers: expired)
            #expect(refreshed.status == .ok)
            shop.clock.advance(by: 16 * 60)
            let logout = try await browser.send(.post, "/api/v1/auth/logout", headers: expired)
            #expect(logout.status == .noContent)
            #expect(browser.cookies.isEmpty)
            // The session really ended: its last refresh token no longer works.
            let fresh = try #require(refreshed.setCookie(SessionCookies.refresh)?.split(separator: ";").first?.split(separator: "=").last)
            let replay = try await client.execute(
                uri: "/api/v1/auth/refresh",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"refreshToken":"\#(fresh)"}"#)
            )
            #expect(replay.status == .unauthorized)
            // Anywhere else an expired Bearer token is still refused.
            #expect(try await client.execute(uri: "/api/v1/cart", method: .get, headers: expired).status == .unauthorized)
        }
    }

    @Test func twoTabsRefreshingAtOnceStaySignedIn() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            let cookies = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let csrf = try #require(browser.cookies[SessionCookies.csrf])
            var headers: HTTPFields = [.cookie: cookies]
            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
            let first = try await client.execute(uri: "/api/v1/auth/refresh", method: .post, headers: headers)
            let second = try await client.execute(uri: "/api/v1/auth/refresh", method: .post, headers: headers)
            #expect(first.status == .ok && second.status == .ok)
            #expect(try await browser.send(.get, "/api/v1/auth/me").status == .ok)
        }
    }

    @Test func passwordChangeResetAndSignOutByRefreshCloseTheUsersStreams() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let userID = try #require((try await browser.register().json()["user"] as? [String: Any])?["id"] as? String)
            let other = Browser(client)
            try await other.login("lan@example.vn", "banhmi2024")
            let sessions = try await shop.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM session WHERE userId = ? AND revokedAt IS NULL", arguments: [userID])
            }
            #expect(sessions.count == 2)

            // A password change ends the other sessions: their streams close.
            var streams = sessions.map { shop.hub.subscribe(userID: userID, sessionID: $0) }
            #expect(shop.hub.subscriberCount == 2)
            let change = #"{"newPassword":"eclair2024","currentPassword":"banhmi2024"}"#
            #expect(try await browser.send(.patch, "/api/v1/auth/me", json: change).status == .ok)
            #expect(shop.hub.subscriberCount == 0)

            // A reset ends every session.
            streams = [shop.hub.subscribe(userID: userID, sessionID: sessions[0])]
            #expect(try await browser.send(.post, "/api/v1/auth/password/forgot", json: #"{"email":"lan@example.vn"}"#).status == .accepted)
            let email = try #require(try await shop.deliveredMail().last { $0.contains("#token=") })
            let start = try #require(email.range(of: "#token=")).upperBound
            let reset = #"{"token":"\#(String(email[start...].prefix { !$0.isWhitespace }))","password":"croissant2024"}"#
            #expect(try await Browser(client).send(.post, "/api/v1/auth/password/reset", json: reset).status == .noContent)
            #expect(shop.hub.subscriberCount == 0)

            // Signing out with only the refresh token (the access token expired) closes that session's streams.
            let third = Browser(client)
            try await third.login("lan@example.vn", "croissant2024")
            let session = try #require(
                try await shop.database.writer.read { db in
                    try String.fetchOne(db, sql: "SELECT id FROM session WHERE userId = ? AND revokedAt IS NULL", arguments: [userID])
                }
            )
            streams = [shop.hub.subscribe(userID: userID, sessionID: session)]
            shop.clock.advance(by: 16 * 60)
            #expect(try await third.send(.post, "/api/v1/auth/logout").status == .noContent)
            #expect(shop.hub.subscriberCount == 0)
            _ = streams
        }
    }

    @Test func aGuestCartHoldingAHiddenProductDoesNotBlockSignIn() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let hidden = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        let kept = try await shop.catalog.product(idOrSlug: "banh-kem-dau-tay").value.id
        try await shop.app.test(.router) { client in
            try await Browser(client).register()
            let guest = Browser(client)
            for product in [hidden, kept] {
                #expect(try await guest.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product)","quantity":1}"#).status == .ok)
            }
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            #expect(try await admin.send(.patch, "/api/v1/products/\(hidden)", json: #"{"isActive":false}"#).status == .ok)

            #expect(try await guest.login("lan@example.vn", "banhmi2024").status == .ok)
            let cart = try await guest.send(.get, "/api/v1/cart").json()
            #expect((cart["lines"] as? [[String: Any]])?.compactMap { $0["productId"] as? String } == [kept])
        }
    }

    @Test func metricsNeedAnAdminOrTheTokenOffLoopback() async throws {
        let token = "metrics-token-0123456789"
        let shop = try ShopFixture {
            $0.metricsOpen = false
            $0.metricsToken = token
        }
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .ok)
            let customer = Browser(client)
            try await customer.register()
            #expect(try await customer.send(.get, "/metrics").status == .forbidden)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            #expect(try await admin.send(.get, "/metrics").status == .ok)
        }
        let loopback = try ShopFixture()
        try await loopback.app.test(.router) { client in
            let open = try await client.execute(uri: "/metrics", method: .get)
            #expect(open.status == .ok)
        }
    }

    @Test func guestCartCreationIsRateLimitedPerAddress() async throws {
        let shop = try ShopFixture { $0.guestCartsPerHour = 2 }
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        let add = #"{"productId":"\#(product)","quantity":1}"#
        try await shop.app.test(.router) { client in
            let first = Browser(client)
            #expect(try await first.send(.post, "/api/v1/cart/items", json: add).status == .ok)
            #expect(try await Browser(client).send(.post, "/api/v1/cart/items", json: add).status == .ok)
            let third = try await Browser(client).send(.post, "/api/v1/cart/items", json: add)
            #expect(third.status == .tooManyRequests)
            #expect(third.errorCode == "rate_limited")
            #expect(third.headers[.retryAfter] != nil)
            // A guest who has a cart keeps using it; a made-up cookie counts as a new cart.
            #expect(try await first.send(.post, "/api/v1/cart/items", json: add).status == .ok)
            let madeUp = try await client.execute(
                uri: "/api/v1/cart/items",
                method: .post,
                headers: [.cookie: "klelite_cart=made-up", .contentType: "application/json"],
                body: ByteBuffer(string: add)
            )
            #expect(madeUp.status == .tooManyRequests)
            shop.clock.advance(by: 3601)
            #expect(try await Browser(client).send(.post, "/api/v1/cart/items", json: add).status == .ok)
        }
    }
}
