import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Storage
@testable import Web

/// No request, however malformed, may end the process or answer 5xx.
@Suite struct BadInputTests {
    /// Values a cookie may hold after tampering, a restart, or another site's cookie of the same name.
    static let garbage = [
        "x", "%", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA", UUID().uuidString, String(repeating: "z", count: 3000), "\"quoted\"",
    ]

    private static func seededShop() async throws -> ShopFixture {
        let shop = try ShopFixture(authRatePerMinute: 100_000)
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        return shop
    }

    private static func productID(_ shop: ShopFixture, slug: String = "croissant-bo-phap") async throws -> String {
        try await shop.catalog.product(idOrSlug: slug).value.id
    }

    @Test func anUnknownGuestCartCookieStartsANewCartAndReissuesTheCookie() async throws {
        let shop = try await Self.seededShop()
        let product = try await Self.productID(shop)
        try await shop.app.test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/cart/items",
                method: .post,
                headers: [.cookie: "klelite_cart=made-up-cart", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"productId":"\#(product)","quantity":2}"#)
            )
            #expect(response.status == .ok)
            let cart = try response.json()
            let id = try #require(cart["id"] as? String)
            #expect(id != "made-up-cart")
            #expect(response.setCookie(CartController<AppRequestContext>.cookieName)?.hasPrefix("klelite_cart=\(id);") == true)
            #expect((cart["lines"] as? [[String: Any]])?.first?["quantity"] as? Int == 2)
        }
    }

    /// Every route the router serves, with garbage in every cookie the shop sets: anonymous, then as an admin
    /// (Bearer) so the handlers behind the role checks run too. Path parameters get a real product id or garbage.
    @Test func garbageInEveryCookieOnEveryRouteNeverAnswers5xx() async throws {
        let shop = try await Self.seededShop()
        let product = try await Self.productID(shop)
        let routes = shop.makeRouter().routes.filter { [.get, .post, .put, .patch, .delete].contains($0.method) }
            .map { (path: $0.path.description.hasPrefix("/") ? $0.path.description : "/\($0.path)", method: $0.method) }
        #expect(routes.count > 40)
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            let token = try #require(try await admin.login("boss@klelite.vn", "bakery2024").json()["accessToken"] as? String)
            let body = #"{"productId":"\#(product)","quantity":1,"rating":5,"comment":"ok","points":-9223372036854775808,"reason":"x"}"#
            var failures: [String] = []
            for route in routes {
                let template = route.path
                for (index, value) in Self.garbage.enumerated() {
                    let parameter = index.isMultiple(of: 2) ? product : value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x"
                    let uri = template.split(separator: "/").map { $0.hasPrefix(":") ? parameter : String($0) }.joined(separator: "/")
                    let cookies = ["klelite_cart", "klelite_access", "klelite_refresh", "klelite_csrf"].map { "\($0)=\(value)" }
                    var headers: HTTPFields = [.cookie: cookies.joined(separator: "; "), .contentType: "application/json"]
                    headers[HTTPField.Name("X-CSRF-Token")!] = value
                    var passes = [headers]
                    // Streams never end in `.router` tests (the SSE tests cover signed-in streams).
                    // Signing the admin out would end the pass early.
                    if !uri.hasSuffix("/stream"), !uri.hasSuffix("/auth/logout") {
                        headers[.authorization] = "Bearer \(token)"
                        passes.append(headers)
                    }
                    for headers in passes {
                        let response = try await client.execute(
                            uri: "/" + uri.drop { $0 == "/" },
                            method: route.method,
                            headers: headers,
                            body: route.method == .get ? nil : ByteBuffer(string: body)
                        )
                        if response.status.code >= 500 { failures.append("\(route.method) \(uri) -> \(response.status.code)") }
                    }
                }
            }
            #expect(failures == [])
        }
    }

    @Test func anAdjustmentOfIntMinIsRefusedNotATrap() async throws {
        let shop = try await Self.seededShop()
        try await shop.app.test(.router) { client in
            let customer = Browser(client)
            let userID = try #require((try await customer.register().json()["user"] as? [String: Any])?["id"] as? String)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            for points in ["-9223372036854775808", "9223372036854775807", "1000001", "0"] {
                let response = try await admin.send(.post, "/api/v1/admin/loyalty/\(userID)/adjust", json: #"{"points":\#(points),"reason":"fix"}"#)
                #expect(response.status == .badRequest, "points \(points)")
                #expect(response.errorCode == "validation_failed")
            }
            #expect(try await admin.send(.post, "/api/v1/admin/loyalty/\(userID)/adjust", json: #"{"points":50,"reason":"gift"}"#).status == .ok)
        }
    }

    /// Swift counts grapheme clusters, SQLite's `length()` counts code points and stops at a NUL: text that is
    /// short to Swift but long to SQLite, or that hides a NUL, is a 400, never a CHECK failure turned 500.
    @Test(arguments: [
        String(repeating: "e\u{301}", count: 100),  // 100 graphemes, 200 scalars
        String(repeating: "👨‍👩‍👧", count: 30),  // 30 graphemes, 150 scalars
        "Lan\u{0}admin",
        "Lan\u{7}",
    ])
    func textThatBreaksSQLiteCountsIs400(name: String) async throws {
        let shop = try await Self.seededShop()
        let encoded = String(decoding: try JSONEncoder().encode(["email": "t@example.vn", "password": "banhmi2024", "name": name]), as: UTF8.self)
        try await shop.app.test(.router) { client in
            let register = try await Browser(client).send(.post, "/api/v1/auth/register", json: encoded)
            #expect(register.status == .badRequest)
            #expect(register.errorCode == "validation_failed")

            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let category = String(decoding: try JSONEncoder().encode(["name": name]), as: UTF8.self)
            let created = try await admin.send(.post, "/api/v1/categories", json: category)
            #expect(created.status == .badRequest, "category \(created.status)")
            // Twice the name: more than the 200 code points a title may hold, though at most 200 graphemes.
            let comment = String(decoding: try JSONEncoder().encode(["title": name + name, "body": "Hi"]), as: UTF8.self)
            let broadcast = try await admin.send(.post, "/api/v1/admin/notifications", json: comment)
            #expect(broadcast.status == .badRequest, "broadcast \(broadcast.status)")
        }
    }

    @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", nil])
    func jsonRoutesAnswer415ForABodyThatIsNotJSON(contentType: String?) async throws {
        let shop = try await Self.seededShop()
        try await shop.app.test(.router) { client in
            var headers: HTTPFields = [:]
            if let contentType { headers[.contentType] = contentType }
            let login = try await client.execute(
                uri: "/api/v1/auth/login",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"email":"boss@klelite.vn","password":"bakery2024"}"#)
            )
            #expect(login.status == .unsupportedMediaType)
            #expect(login.errorCode == "unsupported_media_type")
            headers[.contentType] = "application/json; charset=utf-8"
            let json = try await client.execute(
                uri: "/api/v1/auth/login",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"email":"boss@klelite.vn","password":"bakery2024"}"#)
            )
            #expect(json.status == .ok)
        }
    }
}
