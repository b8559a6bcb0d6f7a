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

    /// The next code is always one more than a count of the day's codes, whatever happened since this process gave its
    /// last one: another writer's order, an order rolled back after taking its code, a new day.
    @Test func theNextCodeIsOneMoreThanTheDaysCountWhateverHappenedMeanwhile() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 100)
        let product = try await fixture.product("croissant-bo-phap")
        func place() async throws -> String {
            let customer = try await fixture.catalog.customer("seq-\(UUID().uuidString.prefix(8).lowercased())@example.com")
            _ = try await fixture.carts.add(.user(customer.user.id), productID: product.id, quantity: 1)
            let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
            return try await fixture.orders.place(by: customer, request, idempotencyKey: nil).code
        }
        #expect(try await place() == "KL-20270115-0001")
        #expect(try await place() == "KL-20270115-0002")
        // Another process's order: a copy of the last one under the day's next code.
        try await fixture.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO "order" (id, code, userId, status, paymentMethod, subtotal, shippingFee, total, recipientName, recipientPhone,
                        addressLine, ward, district, city, createdAt, updatedAt)
                    SELECT 'other-process', 'KL-20270115-0003', userId, status, paymentMethod, subtotal, shippingFee, total, recipientName,
                        recipientPhone, addressLine, ward, district, city, createdAt, updatedAt FROM "order" ORDER BY code DESC LIMIT 1
                    """
            )
        }
        #expect(try await place() == "KL-20270115-0004")
        // An order that took the next code and rolled back.
        struct RolledBack: Error {}
        let sequence = fixture.orders.codeSequence
        await #expect(throws: RolledBack.self) {
            try await fixture.database.write { db in
                #expect(try sequence.next(db, day: "20270115", remembers: true) == "KL-20270115-0005")
                throw RolledBack()
            }
        }
        #expect(try await place() == "KL-20270115-0005")
        fixture.sales.clock.advance(by: 24 * 3600)
        #expect(try await place() == "KL-20270116-0001")
        let count = try await fixture.database.read { db in try OrderStore.count(db, codePrefix: "KL-20270115-") }
        #expect(count == 5)
    }

    @Test func aCodeWritesItsSequenceAsTheFormatterDid() {
        for sequence in Array(1...12_000) + [99_999, 100_000, 1_234_567] {
            #expect(OrderCodeSequence.code(day: "20270115", sequence: sequence) == String(format: "KL-%@-%04d", "20270115", sequence))
        }
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
            by: customer,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod),
            idempotencyKey: nil
        )
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
