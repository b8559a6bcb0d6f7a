import Foundation
import GRDB
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

    /// An order's dates are written by ``DatabaseTimestamp``, not GRDB's `DateFormatter`: the stored text must be GRDB's,
    /// to the millisecond (rounded as GRDB rounds), so that rows written either way compare and sort alike.
    @Test func anOrdersStoredDatesAreTheTextGRDBWouldWrite() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 100)
        let product = try await fixture.product("croissant-bo-phap")
        fixture.sales.clock.advance(by: 0.1236)
        let customer = try await fixture.catalog.customer("dates@example.com")
        _ = try await fixture.carts.add(.user(customer.user.id), productID: product.id, quantity: 1)
        let order = try await fixture.orders.place(
            by: customer, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        let stored = try await fixture.database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT o.createdAt, o.updatedAt, h.createdAt AS historyAt FROM "order" o
                    JOIN orderStatusHistory h ON h.orderId = o.id WHERE o.id = ?
                    """,
                arguments: [order.id]
            ).map { [$0["createdAt"] as String, $0["updatedAt"] as String, $0["historyAt"] as String] }
        }
        let grdb = String.fromDatabaseValue(order.createdAt.databaseValue)
        #expect(grdb?.hasSuffix(".124") == true)
        #expect(stored == [grdb, grdb, grdb].compactMap { $0 })
    }
}
