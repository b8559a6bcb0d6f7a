import Foundation
import Testing

@testable import Storage

/// The hand-written formatting on checkout's path (order codes per shop day, money text) against the Foundation
/// formatters it replaced.
@Suite struct OrderCodeAndMoneyTests {
    @Test(arguments: [0, 7, 999, 1_000, 9_999, 30_000, 125_000, 999_999, 1_000_000, 1_234_567, 98_765_432_100, -1_000, -125_000, Int.max, Int.min])
    func moneyGroupsThousandsLikeTheDecimalFormatter(amount: Int) {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = "."
        formatter.usesGroupingSeparator = true
        let expected = (formatter.string(from: NSNumber(value: amount)) ?? "") + " ₫"
        #expect(OrderService.money(amount) == expected)
    }

    /// The day in a code is the shop's (UTC+7): it turns at 17:00 UTC, the sequence starts again at 0001, and a
    /// day's count ignores every other day's codes.
    @Test func orderCodesFollowTheShopsDayAndItsOwnSequence() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 100)
        let product = try await fixture.product("croissant-bo-phap")
        func place() async throws -> String {
            let customer = try await fixture.catalog.customer("buyer-\(UUID().uuidString.prefix(8).lowercased())@example.com")
            _ = try await fixture.carts.add(.user(customer.user.id), productID: product.id, quantity: 1)
            let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
            return try await fixture.orders.place(by: customer, request, idempotencyKey: nil).code
        }
        // 2027-01-15 08:00 UTC is 15:00 in Hồ Chí Minh City; local midnight is 9 hours later.
        #expect(try await place() == "KL-20270115-0001")
        fixture.sales.clock.advance(by: 9 * 3600 - 1)
        #expect(try await place() == "KL-20270115-0002")
        fixture.sales.clock.advance(by: 1)
        #expect(try await place() == "KL-20270116-0001")
        #expect(try await place() == "KL-20270116-0002")
        fixture.sales.clock.advance(by: 24 * 3600)
        #expect(try await place() == "KL-20270117-0001")
    }
}
