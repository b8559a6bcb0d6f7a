import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// The `reservation` table after `v17_reservation_item_units_index`: one index of a sale item's reservations
/// (`reservation_item_units`) instead of two, the ledger's count from it equal to the count of the table's rows, and
/// every query shape of the table still reading an index.
@Suite struct ReservationIndexTests {
    /// The ledger's state of every item of every scheduled or active sale, counted from the table's rows (`NOT INDEXED`),
    /// by item.
    static func countedFromTheTable(_ db: Database) throws -> [SaleItemKey: StockItemState] {
        var states: [SaleItemKey: StockItemState] = [:]
        let items = try Row.fetchAll(
            db,
            sql: """
                SELECT flashSaleItem.saleId, flashSaleItem.productId, flashSaleItem.quantity, flashSaleItem.perUserLimit
                FROM flashSaleItem JOIN flashSale ON flashSale.id = flashSaleItem.saleId WHERE flashSale.status IN ('scheduled', 'active')
                """
        )
        for item in items {
            let key = SaleItemKey(saleID: item[0], productID: item[1])
            states[key] = StockItemState(key: key, quantity: item[2], perUserLimit: item[3], held: 0, confirmed: 0, perUser: [:])
        }
        for row in try Row.fetchAll(db, sql: "SELECT saleId, productId, userId, status, quantity FROM reservation NOT INDEXED") {
            let key = SaleItemKey(saleID: row[0], productID: row[1])
            let status: String = row[3]
            guard var state = states[key], status != "released" else { continue }
            let quantity: Int = row[4]
            if status == "confirmed" { state.confirmed += quantity } else { state.held += quantity }
            state.perUser[row[2] as String, default: 0] += quantity
            states[key] = state
        }
        return states
    }

    static func byKey(_ states: [StockItemState]) -> [SaleItemKey: StockItemState] {
        Dictionary(states.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// 600 reservations of two items, of 7 users, in every status and 1-3 units each, created out of order, plus a
    /// sale that ended: the start-up count and the one sale's count equal the table's, unit for unit and user for user.
    @Test func theLedgersCountEqualsTheTablesForEveryStatusAndUser() async throws {
        let fixture = try FlashSaleFixture()
        let croissant = try await fixture.productID("croissant-bo-phap")
        let other = try await fixture.database.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM product WHERE id <> ? AND stock >= 5 ORDER BY id LIMIT 1", arguments: [croissant])
        }
        let second = try #require(other)
        let now = fixture.clock.now()
        let sale = try await fixture.sales.create(
            FlashSaleDraft(
                name: "Two items",
                startsAt: now,
                endsAt: now.addingTimeInterval(3600),
                items: [
                    .init(productId: croissant, salePrice: 30_000, quantity: 5, perUserLimit: 2),
                    .init(productId: second, salePrice: 10_000, quantity: 5, perUserLimit: 2),
                ]
            )
        )
        let ended = try await fixture.sales.create(
            FlashSaleDraft(
                name: "Over",
                startsAt: now,
                endsAt: now.addingTimeInterval(3600),
                items: [.init(productId: croissant, salePrice: 30_000, quantity: 5, perUserLimit: 2)]
            )
        )
        var users: [String] = []
        for index in 0..<7 { users.append(try await fixture.catalog.customer("u\(index)@example.vn").user.id) }
        let statuses = ["reserved", "ordered", "confirmed", "released"]
        try await fixture.database.write { [users] db in
            for index in 0..<600 {
                let onEnded = index % 10 == 0
                let at = now.addingTimeInterval(Double((index * 37) % 600))
                try db.execute(
                    sql: """
                        INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, createdAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
                        """,
                    arguments: [
                        TimeOrderedID.make(at: at), onEnded ? ended.id : sale.id, onEnded || index % 2 == 0 ? croissant : second,
                        users[index % users.count], 1 + index % 3,
                        statuses[(index / 7) % statuses.count], at.addingTimeInterval(300), at, at,
                    ]
                )
            }
            try db.execute(sql: "UPDATE flashSale SET status = 'ended' WHERE id = ?", arguments: [ended.id])
        }
        let (live, ofSale, fromTable) = try await fixture.database.read { db in
            (
                try FlashSaleService.itemStates(db, saleID: nil), try FlashSaleService.itemStates(db, saleID: sale.id),
                try Self.countedFromTheTable(db)
            )
        }
        #expect(fromTable.count == 2)
        #expect(fromTable.values.allSatisfy { $0.held > 0 && $0.confirmed > 0 && $0.perUser.count == 7 })
        #expect(Self.byKey(live) == fromTable)
        #expect(Self.byKey(ofSale) == fromTable)
    }

    /// `v17_reservation_item_units_index` and `v18_reservation_on_order_index` on a database that already holds
    /// reservations in every status, some of them part of orders: every row stays, the indexes are the new ones, the
    /// ledger's count from the new index equals the table's, and an order's rows are found through its index.
    @Test func theIndexMigrationsKeepEveryRowOfAnExistingDatabase() throws {
        let writer = try DatabaseQueue(configuration: AppDatabase.makeConfiguration())
        let migrator = AppMigrations.migrator
        try migrator.migrate(writer, upTo: "v16_jobs_partial_indexes")
        let statuses = ["reserved", "ordered", "confirmed", "released"]
        let at = "2026-01-01 00:00:00.000"
        try writer.write { db in
            for user in 0..<5 {
                try db.execute(
                    sql: "INSERT INTO user (id, email, name, role, passwordHash, createdAt, updatedAt) VALUES (?, ?, 'Lan', 'customer', 'x', ?, ?)",
                    arguments: ["u\(user)", "u\(user)@example.vn", at, at]
                )
            }
            try db.execute(
                sql: "INSERT INTO product (id, slug, name, price, createdAt, updatedAt) VALUES ('p', 'p', 'Cake', 1, ?, ?)",
                arguments: [at, at]
            )
            try db.execute(
                sql: """
                    INSERT INTO flashSale (id, slug, name, startsAt, endsAt, status, createdAt, updatedAt)
                    VALUES ('s', 's', 'Sale', ?, '2026-01-02 00:00:00.000', 'active', ?, ?)
                    """,
                arguments: [at, at, at]
            )
            try db.execute(sql: "INSERT INTO flashSaleItem (saleId, productId, salePrice, quantity, perUserLimit) VALUES ('s', 'p', 1, 900, 900)")
            for index in 0..<300 {
                let status = statuses[index % statuses.count]
                try db.execute(
                    sql: """
                        INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, orderId, expiresAt, createdAt, updatedAt)
                        VALUES (?, 's', 'p', ?, ?, 1, ?, ?, '2026-01-01 00:05:00.000', ?, ?)
                        """,
                    arguments: ["r\(index)", "u\(index % 5)", 1 + index % 3, status, status == "reserved" ? nil : "o\(index % 7)", at, at]
                )
            }
        }
        let before = try writer.read { db in try Self.countedFromTheTable(db) }
        try migrator.migrate(writer)
        try writer.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reservation") == 300)
            let indexes = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reservation'"))
            #expect(indexes.isSuperset(of: ["reservation_item_units", "reservation_on_order"]))
            #expect(indexes.isDisjoint(with: ["reservation_live_units", "reservation_on_item", "reservation_on_userId"]))
            let after = Self.byKey(try FlashSaleService.itemStates(db, saleID: nil))
            let fromTable = try Self.countedFromTheTable(db)
            #expect(after == before && after == fromTable)
            #expect(before.values.allSatisfy { $0.held > 0 && $0.confirmed > 0 && $0.perUser.count == 5 })
            let ofOrder = try String.fetchAll(
                db,
                sql: ReservationStore.liveOfOrderSQL.replacingOccurrences(of: "SELECT *", with: "SELECT id"),
                arguments: ["o3"]
            )
            let expected = try String.fetchAll(
                db,
                sql: "SELECT id FROM reservation NOT INDEXED WHERE orderId = 'o3' AND status IN ('reserved', 'ordered', 'confirmed')"
            )
            #expect(!expected.isEmpty && Set(ofOrder) == Set(expected))
        }
    }

    private func plan(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> String {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
            .map { $0["detail"] as String? ?? "" }
            .joined(separator: " | ")
    }

    /// The table feeds four indexes on every insert (its primary key, `reservation_held_by_expiry`, `reservation_on_user`,
    /// `reservation_item_units`) and a fifth, partial one once a row joins an order (`reservation_on_order`), and each
    /// query shape of the shop over it searches one: an item's units by status (stock views, unsold units, the ledger's
    /// count), whether a sale has reservations, a user's lists and held units, an order's reservations, the next expiry.
    @Test func theTableFeedsItsIndexesAndEveryQuerySearchesOne() async throws {
        let fixture = try FlashSaleFixture()
        try await fixture.database.read { db in
            let indexes = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reservation' ORDER BY name"
            )
            #expect(
                indexes == [
                    "reservation_held_by_expiry", "reservation_item_units", "reservation_on_order", "reservation_on_user",
                    "sqlite_autoindex_reservation_1",
                ]
            )
            let item: StatementArguments = ["s", "p"]
            let byItem = [
                FlashSaleService.liveUnitsSQL,
                "SELECT COALESCE(SUM(quantity), 0) FROM reservation r WHERE r.saleId = ? AND r.productId = ? AND r.status IN ('reserved', 'ordered')",
                "SELECT COALESCE(SUM(quantity), 0) FROM reservation r WHERE r.saleId = ? AND r.productId = ? AND r.status = 'confirmed'",
            ]
            for sql in byItem {
                let plan = try plan(db, sql, item)
                #expect(plan.hasPrefix("SEARCH") && plan.contains("USING COVERING INDEX reservation_item_units"), "\(plan)")
            }
            let anyOfSale = try plan(db, "SELECT EXISTS (SELECT 1 FROM reservation WHERE saleId = ?)", ["s"])
            #expect(anyOfSale.contains("USING COVERING INDEX reservation_item_units"))
            let user: StatementArguments = ["u", Date()]
            #expect(try plan(db, "SELECT 1 FROM reservation WHERE userId = ?", ["u"]).contains("USING COVERING INDEX reservation_on_user"))
            let ofUser = try plan(db, "SELECT * FROM reservation WHERE userId = ? ORDER BY createdAt DESC, id LIMIT 20", ["u"])
            #expect(ofUser.contains("SEARCH reservation USING INDEX reservation_on_user"), "\(ofUser)")
            // A user's held reservations (cart, checkout): left to itself SQLite picks `reservation_held_by_expiry`, every
            // unexpired hold of every user.
            let held = try plan(db, ReservationStore.heldSQL, user)
            #expect(held.hasPrefix("SEARCH reservation USING INDEX reservation_on_user (userId=?)"), "\(held)")
            let ordered = try plan(db, ReservationStore.markOrderedSQL, ["o", Date(), "u", Date()])
            #expect(ordered.hasPrefix("SEARCH reservation USING INDEX reservation_on_user (userId=?)"), "\(ordered)")
            // An order's reservations (checkout's confirmation, a payment's, a cancellation): by the order, not every live
            // hold by status.
            let byOrder: [(String, StatementArguments)] = [
                (ReservationStore.confirmSQL, [Date(), "o"]), (ReservationStore.liveOfOrderSQL, ["o"]),
                (ReservationStore.releaseSQL, [Date(), "o"]),
            ]
            for (sql, arguments) in byOrder {
                let plan = try plan(db, sql, arguments)
                #expect(plan.hasPrefix("SEARCH reservation USING INDEX reservation_on_order (orderId=?)"), "\(plan)")
            }
            #expect(try plan(db, "SELECT MIN(expiresAt) FROM reservation WHERE status = 'reserved'", []).contains("reservation_held_by_expiry"))
            // A batch of expired holds, or of a cancelled sale's item: the held rows through the index that holds exactly
            // them, then each updated by its id — not every hold of the shop searched again by status for the update.
            let batches: [(FlashSaleService.HeldSelection, String)] = [
                (.expired(by: Date()), "reservation_held_by_expiry (status=? AND expiresAt<?)"),
                (.ofItem(SaleItemKey(saleID: "s", productID: "p")), "reservation_item_units (saleId=? AND productId=? AND status=?)"),
            ]
            for (selection, searches) in batches {
                var arguments: StatementArguments = ["r", Date()]
                arguments += selection.arguments
                let plan = try plan(db, ReservationStore.releaseHeldSQL(selection.batchCondition(500)), arguments)
                #expect(plan.hasPrefix("SEARCH reservation USING") && plan.contains("INDEX sqlite_autoindex_reservation_1 (id=?)"), "\(plan)")
                #expect(plan.contains("SEARCH reservation USING INDEX \(searches)"), "\(plan)")
                #expect(!plan.contains("SCAN"), "\(plan)")
            }
            // The items of cancelled sales that still hold something: one seek per item, no table scanned.
            for (saleID, arguments) in [(nil, []), ("s", ["s"])] as [(String?, StatementArguments)] {
                let plan = try plan(db, FlashSaleService.cancelledItemsWithHoldsSQL(saleID: saleID), arguments)
                #expect(plan.contains("INDEX reservation_item_units (saleId=? AND productId=? AND status=?)"), "\(plan)")
                #expect(!plan.contains("SCAN"), "\(plan)")
            }
        }
    }
}
