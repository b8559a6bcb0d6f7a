import Foundation
import GRDB
import Testing

@testable import Storage

/// What a checkout writes beyond its rows: no index another index already covers (`v20_drop_shadowed_indexes`), order
/// ids that sort by time, so an order's entries in the id-keyed indexes sit beside the previous order's, and no
/// temporary file for a group's sub-journal.
@Suite struct CheckoutPageWritesTests {
    private func plan(_ database: AppDatabase, _ sql: String) throws -> String {
        let arguments = StatementArguments(Array(repeating: "x", count: sql.filter { $0 == "?" }.count))
        return try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String? ?? "" }
        }.joined(separator: " | ")
    }

    /// The three indexes are gone, and every statement they served still searches an index by the user or the cart (a
    /// plan that scans the table, or searches by another column, would read every user's rows under the write lock).
    @Test func theShadowedIndexesAreGoneAndTheirLookupsStillSearchByUserOrCart() throws {
        let database = try AppDatabase.inMemory()
        let indexes = try database.writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'"))
        }
        #expect(indexes.isDisjoint(with: ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"]))
        #expect(indexes.isSuperset(of: ["order_on_user_created", "notification_on_user_id", "notification_unread"]))
        let lookups: [(sql: String, searches: String)] = [
            ("SELECT * FROM notification WHERE userId = ? ORDER BY id DESC LIMIT ? OFFSET ?", "(userId=?"),
            ("SELECT COUNT(*) FROM notification WHERE userId = ?", "(userId=?"),
            ("SELECT COUNT(*) FROM notification WHERE userId = ? AND isRead = 0", "(userId=? AND isRead=?)"),
            ("UPDATE notification SET isRead = 1 WHERE userId = ? AND isRead = 0", "(userId=? AND isRead=?)"),
            ("SELECT * FROM notification WHERE userId = ? AND id > ? ORDER BY id LIMIT ?", "(userId=? AND id>?)"),
            ("DELETE FROM cartItem WHERE cartId = ?", "(cartId=?)"),
            ("SELECT quantity FROM cartItem WHERE cartId = ? AND productId = ?", "(cartId=? AND productId=?)"),
            // A user's delivered orders, and a user's orders of one status: by the user, not by every order of the status.
            (CatalogService.hasReceivedSQL, "order USING INDEX order_on_user_created (userId=?)"),
        ]
        for (sql, searches) in lookups {
            let detail = try plan(database, sql)
            // No table scanned ("SCAN CONSTANT ROW" is the `SELECT EXISTS` wrapper, not a table).
            let scans = detail.components(separatedBy: " | ").filter { $0.hasPrefix("SCAN") && $0 != "SCAN CONSTANT ROW" }
            #expect(detail.contains(searches) && scans.isEmpty, "\(sql): \(detail)")
        }
    }

    /// A user's order list, with or without a status, a date range and a search, counts and pages through the user's
    /// index (`INDEXED BY`): never through every order of that status in the shop, never by a scan.
    @Test func aUsersOrderListSearchesTheUsersIndexWhateverTheFilter() throws {
        let database = try AppDatabase.inMemory()
        let now = Date()
        let filters: [OrderService.Filter] = [
            .init(userID: "u"),
            .init(userID: "u", status: .delivered),
            .init(userID: "u", status: .pending, from: now.addingTimeInterval(-86_400), to: now, search: "KL"),
        ]
        for filter in filters {
            for sort in [ListSort<OrderSortKey>.newestOrders, .init(.total, descending: false)] {
                let query = OrderService.listQuery(filter, sort: sort, page: try PageRequest(page: 3, limit: 20))
                for sql in [query.count, query.page] {
                    let detail = try plan(database, sql)
                    let scans = detail.components(separatedBy: " | ").filter { $0.hasPrefix("SCAN") }
                    #expect(detail.contains("INDEX order_on_user_created (userId=?"), "\(sql): \(detail)")
                    #expect(scans.isEmpty, "\(sql): \(detail)")
                }
            }
        }
    }

    /// An upgraded database loses the same three indexes and no other.
    @Test func theMigrationDropsThemFromAnExistingDatabase() throws {
        let writer = try DatabaseQueue(configuration: AppDatabase.makeConfiguration())
        try AppMigrations.migrator.migrate(writer, upTo: "v19_jobs_integer_dates")
        let before = try writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(Set(before).isSuperset(of: ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"]))
        try AppMigrations.migrator.migrate(writer)
        let after = try writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(Set(before).subtracting(after) == ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"])
    }

    /// The writer keeps SQLite's temporary files (a group's spilled sub-journal) in memory — 2 is MEMORY — and the
    /// readers keep the default (0), spilling large sorts to files.
    @Test func theWritersTemporaryFilesStayInMemoryAndTheReadersSpill() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-temp-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(directory: directory)
        defer { try? database.close() }
        #expect(try await database.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 0)
        let inMemory = try AppDatabase.inMemory()
        #expect(try await inMemory.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
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
            let order = try await fixture.orders.place(
                by: lan,
                CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod),
                idempotencyKey: nil
            )
            ids.append(order.id)
            fixture.sales.clock.advance(by: 0.001)
        }
        #expect(ids == ids.sorted() && Set(ids).count == 5)
        #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "7" })
    }
}
