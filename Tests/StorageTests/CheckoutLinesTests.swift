import Foundation
import GRDB
import Testing

@testable import Storage

extension OrderFixture {
    /// The ids of `count` products on sale (by name), every product's stock first set to `stock`.
    func products(_ count: Int, stock: Int) async throws -> [String] {
        let ids = try await database.write { db in
            try db.execute(sql: "UPDATE product SET stock = ?", arguments: [stock])
            return try String.fetchAll(
                db,
                sql: "SELECT id FROM product WHERE isActive AND deletedAt IS NULL ORDER BY name LIMIT ?",
                arguments: [count]
            )
        }
        try #require(ids.count == count)
        return ids
    }

    /// The stock of each product, in the order of `ids`.
    func stocks(_ ids: [String]) async throws -> [Int?] {
        try await database.read { db in
            try ids.map { id in try Int.fetchOne(db, sql: "SELECT stock FROM product WHERE id = ?", arguments: [id]) }
        }
    }
}

/// Checkout over carts of many lines: every line stored in its order with its stock taken, or a 409 naming the short ones.
@Suite struct CheckoutLinesTests {
    /// Lines go in up to ``OrderStore/linesPerInsert`` per statement: a cart of one, of exactly that many, and of more in
    /// two statements, each stored as the cart showed it, in its order.
    @Test(arguments: [1, OrderStore.linesPerInsert, OrderStore.linesPerInsert + 3])
    func everyLineOfTheCartIsStoredInItsOrder(count: Int) async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let ids = try await fixture.products(count, stock: 100)
        for (index, id) in ids.enumerated() {
            _ = try await fixture.carts.add(.user(lan.user.id), productID: id, quantity: 1 + index % 3)
        }
        let cart = try await fixture.carts.cart(.user(lan.user.id)).lines
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        let stored = try await fixture.database.read { db in try OrderStore.fetch(db, id: order.id) }
        #expect(stored.lines == order.lines)
        #expect(stored.lines.map(\.productId) == cart.map(\.productId) && stored.lines.map(\.quantity) == cart.map(\.quantity))
        #expect(stored.lines.map(\.name) == cart.map(\.name) && stored.lines.map(\.lineTotal) == cart.map(\.lineTotal))
        #expect(stored.subtotal == cart.map(\.lineTotal).reduce(0, +))
        let stocks = try await fixture.stocks(ids)
        let quantities = Dictionary(uniqueKeysWithValues: cart.map { ($0.productId, $0.quantity) })
        #expect(stocks == ids.map { id in quantities[id].map { 100 - $0 } })
    }

    /// A cart with short lines among others is a 409 naming each short product with its stock, and nothing is taken.
    @Test func shortLinesAre409WithTheirStockAndNothingIsTaken() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let count = 11
        let ids = try await fixture.products(count, stock: 50)
        for id in ids { _ = try await fixture.carts.add(.user(lan.user.id), productID: id, quantity: 4) }
        let short = [ids[1], ids[count - 1]]
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE product SET stock = 3 WHERE id = ?", arguments: [short[0]])
            try db.execute(sql: "UPDATE product SET stock = 0 WHERE id = ?", arguments: [short[1]])
        }
        let error = await #expect(throws: AppError.self) {
            try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        }
        #expect(error?.code == .conflict && error?.fields == [short[0]: "only 3 available", short[1]: "only 0 available"])
        let stocks = try await fixture.stocks(ids)
        #expect(stocks == ids.map { short.contains($0) ? (short[0] == $0 ? 3 : 0) : 50 })
        #expect(try await fixture.carts.cart(.user(lan.user.id)).lines.count == count)
        #expect(try await fixture.database.read { db in try Int.fetchOne(db, sql: #"SELECT COUNT(*) FROM "order""#) } == 0)
    }
}
