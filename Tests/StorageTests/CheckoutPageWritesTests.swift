import Foundation
import GRDB
import Testing

@testable import Storage

/// What a checkout writes beyond its rows: no index another index already covers (`v20_drop_shadowed_indexes`), and
/// order ids that sort by time, so an order's entries in the id-keyed indexes sit beside the previous order's.
@Suite struct CheckoutPageWritesTests {
    private func plan(_ database: AppDatabase, _ sql: String) throws -> String {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: ["u"]).map { $0["detail"] as String? ?? "" }
        }.joined(separator: " | ")
    }

    /// The three indexes are gone, and every read or delete they served still searches an index by its leading column
    /// (a plan that scans the table would read every user's orders, notifications or cart items under the write lock).
    @Test func theShadowedIndexesAreGoneAndTheirLookupsStillSearchAnIndex() throws {
        let database = try AppDatabase.inMemory()
        let indexes = try database.writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'"))
        }
        #expect(indexes.isDisjoint(with: ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"]))
        #expect(indexes.isSuperset(of: ["order_on_user_created", "notification_on_user_id", "notification_unread"]))
        let lookups = [
            #"SELECT * FROM "order" WHERE userId = ? ORDER BY createdAt DESC"#,
            #"SELECT COUNT(*) FROM "order" WHERE userId = ?"#,
            "SELECT * FROM notification WHERE userId = ? ORDER BY id DESC LIMIT 20",
            "SELECT COUNT(*) FROM notification WHERE userId = ? AND isRead = 0",
            "UPDATE notification SET isRead = 1 WHERE userId = ? AND isRead = 0",
            "DELETE FROM cartItem WHERE cartId = ?",
            "SELECT quantity FROM cartItem WHERE cartId = ?",
        ]
        for sql in lookups {
            let detail = try plan(database, sql)
            #expect(detail.contains("USING") && detail.contains("INDEX") && !detail.contains("SCAN"), "\(sql): \(detail)")
        }
    }

    /// An upgraded database loses the same indexes and keeps its rows.
    @Test func theMigrationDropsThemFromAnExistingDatabase() throws {
        let writer = try DatabaseQueue(configuration: AppDatabase.makeConfiguration())
        try AppMigrations.migrator.migrate(writer, upTo: "v19_jobs_integer_dates")
        let before = try writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(Set(before).isSuperset(of: ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"]))
        try AppMigrations.migrator.migrate(writer)
        let after = try writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(Set(before).subtracting(after) == ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"])
    }

    /// Orders get version 7 ids: one placed a millisecond later has the greater id, as text.
    @Test func ordersPlacedLaterHaveGreaterIDs() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let product = try await fixture.product("croissant-bo-phap")
        try await fixture.setStock("croissant-bo-phap", 10)
        var ids: [String] = []
        for _ in 0..<5 {
            _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
            let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
            ids.append(order.id)
            fixture.sales.clock.advance(by: 0.001)
        }
        #expect(ids == ids.sorted() && Set(ids).count == 5)
        #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "7" })
    }
}
