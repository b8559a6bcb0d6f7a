import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

/// The admin's order, user and job lists sort on the server across every page, by a whitelisted column only.
@Suite struct AdminListSortRoutesTests {
    private let address = #"{"name":"Lan","phone":"0901234567","line":"12 Lý Thường Kiệt","ward":"Phường 7","district":"Quận 10","city":"TP.HCM"}"#

    /// Every page of a list, in the order the API answered, reading `limit` items at a time.
    private func allPages(_ admin: Browser, _ path: String, limit: Int = 2) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var page = 1
        while true {
            let response = try await admin.send(.get, "\(path)\(path.contains("?") ? "&" : "?")page=\(page)&limit=\(limit)")
            #expect(response.status == .ok)
            let body = try response.json()
            let slice = try #require(body["items"] as? [[String: Any]])
            items += slice
            let total = try #require(body["total"] as? Int)
            if items.count >= total || slice.isEmpty { return items }
            page += 1
        }
    }

    private func errorFields(_ response: TestResponse) throws -> [String: String] {
        let error = try #require(try response.json()["error"] as? [String: Any])
        return error["fields"] as? [String: String] ?? [:]
    }

    @Test func ordersSortByTotalAcrossPagesBothWays() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let croissant = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            // Five orders whose totals do not follow their age: quantities 3, 1, 5, 2, 4.
            for (index, quantity) in [3, 1, 5, 2, 4].enumerated() {
                let shopper = Browser(client)
                try await shopper.register("sorted\(index)@example.vn")
                let added = try await shopper.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(croissant.id)","quantity":\#(quantity)}"#)
                #expect(added.status == .ok)
                #expect(try await shopper.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"cod"}"#).status == .created)
                shop.clock.advance(by: 60)
            }
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let ascending = try await allPages(admin, "/api/v1/admin/orders?sort=total").compactMap { $0["total"] as? Int }
            #expect(ascending.count == 5)
            #expect(ascending == ascending.sorted())
            let descending = try await allPages(admin, "/api/v1/admin/orders?sort=-total").compactMap { $0["total"] as? Int }
            #expect(descending == ascending.reversed())
            // The default stays newest first; the oldest order is the 3-croissant one.
            let newest = try await allPages(admin, "/api/v1/admin/orders").compactMap { $0["total"] as? Int }
            #expect(newest.last == croissant.price * 3 + 30_000)
            #expect(try await allPages(admin, "/api/v1/admin/orders?sort=createdAt").compactMap { $0["total"] as? Int } == newest.reversed())
            let codes = try await allPages(admin, "/api/v1/admin/orders?sort=-code").compactMap { $0["code"] as? String }
            #expect(codes == codes.sorted(by: >))

            let unknown = try await admin.send(.get, "/api/v1/admin/orders?sort=recipientPhone")
            #expect(unknown.status == .badRequest)
            #expect(try errorFields(unknown)["sort"]?.contains("-total") == true)
            #expect(try await admin.send(.get, "/api/v1/admin/orders?sort=--total").status == .badRequest)
            #expect(try await admin.send(.get, "/api/v1/admin/orders?sort=total%3B%20DROP%20TABLE%20user").status == .badRequest)
        }
    }

    @Test func usersSortByEmailAcrossPagesAndRefuseUnknownColumns() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            for email in ["mai@example.vn", "an@example.vn", "xuan@example.vn", "binh@example.vn"] {
                try await Browser(client).register(email)
                shop.clock.advance(by: 1)
            }
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let emails = try await allPages(admin, "/api/v1/admin/users?sort=email").compactMap { $0["email"] as? String }
            #expect(emails == ["an@example.vn", "binh@example.vn", "boss@klelite.vn", "mai@example.vn", "xuan@example.vn"])
            let backwards = try await allPages(admin, "/api/v1/admin/users?sort=-email").compactMap { $0["email"] as? String }
            #expect(backwards == emails.reversed())
            let roles = try await allPages(admin, "/api/v1/admin/users?sort=role").compactMap { $0["role"] as? String }
            #expect(roles.first == "admin")
            let unknown = try await admin.send(.get, "/api/v1/admin/users?sort=passwordHash")
            #expect(unknown.status == .badRequest)
            #expect(try errorFields(unknown)["sort"] != nil)
        }
    }

    @Test func jobsSortOldestFirstOrByKindAcrossPages() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            for index in 0..<4 { try await Browser(client).register("queued\(index)@example.vn") }  // a welcome email each
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let newest = try await allPages(admin, "/api/v1/admin/jobs").compactMap { $0["id"] as? Int }
            #expect(newest.count >= 4)
            #expect(newest == newest.sorted(by: >))
            let oldest = try await allPages(admin, "/api/v1/admin/jobs?sort=id").compactMap { $0["id"] as? Int }
            #expect(oldest == newest.reversed())
            let kinds = try await allPages(admin, "/api/v1/admin/jobs?sort=-kind").compactMap { $0["kind"] as? String }
            #expect(kinds == kinds.sorted(by: >))
            let unknown = try await admin.send(.get, "/api/v1/admin/jobs?sort=payload")
            #expect(unknown.status == .badRequest)
            #expect(try errorFields(unknown)["sort"]?.contains("updatedAt") == true)
        }
    }
}
