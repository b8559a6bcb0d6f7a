import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

@Suite struct OrderRoutesTests {
    private let address = #"{"name":"Lan","phone":"0901234567","line":"12 Lý Thường Kiệt","ward":"Phường 7","district":"Quận 10","city":"TP.HCM"}"#

    @Test func aGuestCartFollowsTheShopperIntoTheirAccountAndChecksOut() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            let added = try await browser.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":2,"price":1}"#)
            #expect(added.status == .ok)
            #expect(added.setCookie(CartController<AppRequestContext>.cookieName)?.contains("HttpOnly") == true)
            #expect(try added.json()["subtotal"] as? Int == product.price * 2)
            #expect(
                try await browser.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":500}"#).status == .badRequest
            )

            try await browser.register()
            let cart = try await browser.send(.get, "/api/v1/cart")
            #expect(((try cart.json()["lines"] as? [[String: Any]])?.first?["quantity"]) as? Int == 2)
            #expect(browser.cookies[CartController<AppRequestContext>.cookieName] == nil)

            let anonymous = try await client.execute(
                uri: "/api/v1/orders",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            #expect(anonymous.status == .unauthorized)
            let body = #"{"address":\#(address),"paymentMethod":"cod","total":1}"#
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "checkout-1"]
            let placed = try await browser.send(.post, "/api/v1/orders", json: body, headers: key)
            #expect(placed.status == .created)
            let order = try placed.json()
            #expect(order["total"] as? Int == product.price * 2 + 30_000)
            let retried = try await browser.send(.post, "/api/v1/orders", json: body, headers: key)
            #expect(try retried.json()["id"] as? String == order["id"] as? String)
            let other = try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"card"}"#, headers: key)
            #expect(other.status == .unprocessableContent)

            let mine = try await browser.send(.get, "/api/v1/orders")
            #expect(try mine.json()["total"] as? Int == 1)
            let id = try #require(order["id"] as? String)
            let cancelled = try await browser.send(.post, "/api/v1/orders/\(id)/cancel")
            #expect(try cancelled.json()["status"] as? String == "cancelled")
            #expect(try await browser.send(.patch, "/api/v1/admin/orders/\(id)/status", json: #"{"status":"confirmed"}"#).status == .forbidden)
            #expect(
                try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"bitcoin"}"#).status == .badRequest
            )
        }
    }

    @Test func anOrdersDetailCarriesItsStatusTimelineAndTheListDoesNot() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            try await browser.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":1}"#)
            let placed = try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"cod"}"#)
            let id = try #require(try placed.json()["id"] as? String)
            shop.clock.advance(by: 60)
            #expect(try await browser.send(.post, "/api/v1/orders/\(id)/cancel").status == .ok)

            let detail = try await browser.send(.get, "/api/v1/orders/\(id)").json()
            let history = try #require(detail["history"] as? [[String: Any]])
            #expect(history.map { $0["status"] as? String } == ["pending", "cancelled"])
            let times = history.compactMap { $0["at"] as? String }
            #expect(times.count == 2 && times[0] < times[1])
            #expect(history.allSatisfy { $0["changedBy"] == nil })
            let listed = try #require((try await browser.send(.get, "/api/v1/orders").json()["items"] as? [[String: Any]])?.first)
            #expect(listed["history"] == nil)
        }
    }
}

@Suite struct PaymentProviderRoutesTests {
    private let address = #"{"name":"Lan","phone":"0901234567","line":"12 Lý Thường Kiệt","ward":"Phường 7","district":"Quận 10","city":"TP.HCM"}"#

    /// The default configuration (`PAYMENT_PROVIDER=none`): card is a clear 400 at checkout and the simulated
    /// gateway's route is 404, so nobody but a provider's signed webhook marks an order paid.
    @Test func withoutAPaymentProviderCardIs400AndTheSimulatedGatewayIs404() async throws {
        let shop = try ShopFixture(onlinePayments: false)
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            try await browser.register()
            try await browser.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":1}"#)
            for method in ["card", "bank_transfer"] {
                let refused = try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"\#(method)"}"#)
                #expect(refused.status == .badRequest && refused.errorCode == "validation_failed")
            }
            let placed = try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"cod"}"#)
            let id = try #require(try placed.json()["id"] as? String)
            let simulated = try await browser.send(.post, "/api/v1/payments/simulated/\(id)", json: #"{"approve":true}"#)
            #expect(simulated.status == .notFound)
            #expect(try await browser.send(.get, "/api/v1/orders/\(id)").json()["status"] as? String == "pending")
        }
    }
}

extension PaymentProviderRoutesTests {
    /// The checkout page asks which methods to offer, before anyone signs in: only cash on delivery without a
    /// provider, all three with one.
    @Test(arguments: [false, true])
    func checkoutPagesLearnTheAcceptedPaymentMethodsWithoutSigningIn(onlinePayments: Bool) async throws {
        let shop = try ShopFixture(onlinePayments: onlinePayments)
        try await shop.app.test(.router) { client in
            let response = try await Browser(client).send(.get, "/api/v1/payments/methods")
            #expect(response.status == .ok)
            let methods = try #require(try response.json()["methods"] as? [String])
            #expect(methods == (onlinePayments ? ["cod", "card", "bank_transfer"] : ["cod"]))
        }
    }
}

@Suite struct VoucherRoutesTests {
    @Test func adminsManageVouchersAndShoppersPreviewThem() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let created = try await admin.send(.post, "/api/v1/admin/vouchers", json: #"{"code":"BANH10","kind":"percent","value":10}"#)
            #expect(created.status == .created)
            let id = try #require(try created.json()["id"] as? String)
            let shopper = Browser(client)
            try await shopper.register()
            #expect(try await shopper.send(.get, "/api/v1/admin/vouchers").status == .forbidden)
            try await shopper.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":2}"#)
            let preview = try await shopper.send(.post, "/api/v1/vouchers/validate", json: #"{"code":"banh10"}"#)
            #expect(try preview.json()["discount"] as? Int == product.price * 2 / 10)
            #expect(try await shopper.send(.post, "/api/v1/vouchers/validate", json: #"{"code":"NOPE"}"#).status == .badRequest)
            #expect(try await admin.send(.patch, "/api/v1/admin/vouchers/\(id)", json: #"{"isActive":false}"#).status == .ok)
            #expect(try await shopper.send(.post, "/api/v1/vouchers/validate", json: #"{"code":"BANH10"}"#).status == .badRequest)
            #expect(try await admin.send(.delete, "/api/v1/admin/vouchers/\(id)").status == .noContent)
        }
    }
}
