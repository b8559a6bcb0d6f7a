import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

@Suite struct AdminOrderDetailRoutesTests {
    @Test func theAdminsOrderDetailNamesTheCustomersAccountNotJustItsID() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let shopper = Browser(client)
            try await shopper.register("mai.customer@example.vn")
            try await shopper.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":1}"#)
            let address = #"{"name":"Người Nhận Khác","phone":"0901234567","line":"1 Lê Lợi","ward":"P1","district":"Q1","city":"TP.HCM"}"#
            let placed = try await shopper.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"cod"}"#)
            let orderID = try #require(try placed.json()["id"] as? String)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")

            let detail = try await admin.send(.get, "/api/v1/admin/orders/\(orderID)")
            #expect(detail.status == .ok)
            let customer = try #require(try detail.json()["customer"] as? [String: Any])
            #expect(customer["email"] as? String == "mai.customer@example.vn")
            #expect(customer["name"] as? String == "Lan")
            let order = try #require(try detail.json()["order"] as? [String: Any])
            #expect(order["id"] as? String == orderID)
            #expect((order["history"] as? [[String: Any]])?.isEmpty == false)
            #expect(try await admin.send(.get, "/api/v1/admin/orders/no-such-order").status == .notFound)
            #expect(try await shopper.send(.get, "/api/v1/admin/orders/\(orderID)").status == .forbidden)
        }
    }
}
