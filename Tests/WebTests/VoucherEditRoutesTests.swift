import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

@Suite struct VoucherEditRoutesTests {
    private let address = #"{"name":"Lan","phone":"0901234567","line":"12 Lý Thường Kiệt","ward":"Phường 7","district":"Quận 10","city":"TP.HCM"}"#

    private func fields(_ response: TestResponse) throws -> [String: Any] {
        try #require((try response.json()["error"] as? [String: Any])?["fields"] as? [String: Any])
    }

    @Test func anAdminEditsAVouchersTermsButNotTheCodeOfAUsedOneNorItsLimitBelowItsUses() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let created = try await admin.send(.post, "/api/v1/admin/vouchers", json: #"{"code":"FIVE","kind":"fixed","value":5000,"usageLimit":3}"#)
            let id = try #require(try created.json()["id"] as? String)
            let shopper = Browser(client)
            try await shopper.register()
            for _ in 0..<2 {
                try await shopper.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":1}"#)
                let placed = try await shopper.send(
                    .post,
                    "/api/v1/orders",
                    json: #"{"address":\#(address),"paymentMethod":"cod","voucherCode":"five"}"#
                )
                #expect(placed.status == .created)
            }
            let url = "/api/v1/admin/vouchers/\(id)"

            let zero = try await admin.send(.patch, url, json: #"{"value":0}"#)
            #expect(zero.status == .badRequest)
            #expect(zero.errorCode == "validation_failed")
            #expect(try fields(zero)["value"] != nil)
            let backwards = try await admin.send(.patch, url, json: #"{"startsAt":"2026-12-02T00:00:00Z","endsAt":"2026-12-01T00:00:00Z"}"#)
            #expect(backwards.status == .badRequest)
            #expect(try fields(backwards)["endsAt"] != nil)
            let renamed = try await admin.send(.patch, url, json: #"{"code":"SIX"}"#)
            #expect(renamed.status == .conflict)
            #expect(try fields(renamed)["code"] != nil)
            let belowUses = try await admin.send(.patch, url, json: #"{"usageLimit":1}"#)
            #expect(belowUses.status == .conflict)
            #expect(try fields(belowUses)["usageLimit"] as? String == "must be at least 2, the uses already made")

            let edited = try await admin.send(
                .patch,
                url,
                json: #"{"value":7000,"minSubtotal":10000,"maxDiscount":null,"usageLimit":2,"perUserLimit":4,"code":"five"}"#
            )
            #expect(edited.status == .ok)
            let voucher = try edited.json()
            #expect(voucher["code"] as? String == "FIVE")
            #expect(voucher["value"] as? Int == 7000)
            #expect(voucher["minSubtotal"] as? Int == 10000)
            #expect(voucher["usageLimit"] as? Int == 2)
            #expect(voucher["perUserLimit"] as? Int == 4)
            #expect(voucher["usedCount"] as? Int == 2)
            #expect(voucher["kind"] as? String == "fixed")
            let cleared = try await admin.send(.patch, url, json: #"{"usageLimit":null,"isActive":false}"#)
            #expect(try cleared.json()["usageLimit"] as? Int == nil)  // a cleared limit is left out, like every absent term
            #expect(try cleared.json()["isActive"] as? Bool == false)
            #expect(try cleared.json()["value"] as? Int == 7000)

            let unused = try await admin.send(.post, "/api/v1/admin/vouchers", json: #"{"code":"SPARE","kind":"percent","value":10}"#)
            let unusedID = try #require(try unused.json()["id"] as? String)
            let recoded = try await admin.send(.patch, "/api/v1/admin/vouchers/\(unusedID)", json: #"{"code":"spare-2"}"#)
            #expect(try recoded.json()["code"] as? String == "SPARE-2")
            let taken = try await admin.send(.patch, "/api/v1/admin/vouchers/\(unusedID)", json: #"{"code":"five"}"#)
            #expect(taken.status == .conflict)
            #expect(try await shopper.send(.patch, url, json: #"{"value":1}"#).status == .forbidden)
        }
    }
}
