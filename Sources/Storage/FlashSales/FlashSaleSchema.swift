import GRDB

/// Flash sales, their items, and reservations (migration `v6_flash_sales`).
enum FlashSaleSchema {
    static func v6FlashSales(_ db: Database) throws {
        try db.create(table: "flashSale") { t in
            t.primaryKey("id", .text)
            t.column("slug", .text).notNull().unique()
            t.column("name", .text).notNull().check { length($0) > 0 && length($0) <= 200 }
            t.column("description", .text).notNull().defaults(to: "")
            t.column("bannerImage", .text)
            t.column("startsAt", .datetime).notNull()
            t.column("endsAt", .datetime).notNull()
            t.column("status", .text).notNull().check { ["scheduled", "active", "ended", "cancelled"].contains($0) }
            t.column("earlyAccessTier", .text)
            t.column("earlyAccessMinutes", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.check(sql: "endsAt > startsAt")
        }
        try db.create(table: "flashSaleItem") { t in
            t.belongsTo("sale", inTable: "flashSale", onDelete: .cascade).notNull()
            t.belongsTo("product", onDelete: .restrict).notNull()
            t.column("salePrice", .integer).notNull().check { $0 >= 0 }
            t.column("quantity", .integer).notNull().check { $0 >= 1 }
            t.column("perUserLimit", .integer).notNull().check { $0 >= 1 }
            t.primaryKey(["saleId", "productId"])
        }
        try db.create(table: "reservation") { t in
            t.primaryKey("id", .text)
            t.column("saleId", .text).notNull()
            t.column("productId", .text).notNull()
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("quantity", .integer).notNull().check { $0 >= 1 }
            t.column("salePrice", .integer).notNull().check { $0 >= 0 }
            t.column("status", .text).notNull().check { ["reserved", "ordered", "confirmed", "released"].contains($0) }
            t.column("expiresAt", .datetime).notNull()
            t.column("releasedReason", .text)
            t.column("orderId", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.foreignKey(["saleId", "productId"], references: "flashSaleItem", columns: ["saleId", "productId"], onDelete: .cascade)
        }
        try db.create(index: "reservation_held_by_expiry", on: "reservation", columns: ["status", "expiresAt"])
        try db.create(index: "reservation_on_user", on: "reservation", columns: ["userId", "createdAt"])
        try db.create(index: "reservation_on_item", on: "reservation", columns: ["saleId", "productId", "status"])
        try db.create(index: "flashSale_on_status", on: "flashSale", columns: ["status", "startsAt"])
    }

    /// Reservations are never deleted with a sale's items (migration `v11_reservations_outlive_items`): the
    /// foreign key to `flashSaleItem` loses its `ON DELETE CASCADE`, so deleting an item that has reservations fails.
    static func v11ReservationsOutliveItems(_ db: Database) throws {
        try TableRebuild.rebuild(db, table: "reservation") { definition in
            definition.replacingOccurrences(
                of: #"REFERENCES "flashSaleItem"("saleId", "productId") ON DELETE CASCADE"#,
                with: #"REFERENCES "flashSaleItem"("saleId", "productId")"#
            )
        }
    }

    /// The units each user holds or bought of each sale item, in the order the start-up ledger rebuild groups them
    /// (migration `v15_ledger_live_reservations_index`): a partial index of the live reservations only, covering every
    /// column the rebuild reads, so start-up reads these rows from a small index instead of every reservation ever made.
    static func v15LedgerLiveReservationsIndex(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX reservation_live_units ON reservation (saleId, productId, userId, status, quantity)
                WHERE status IN ('reserved', 'ordered', 'confirmed')
                """
        )
    }

    /// Two indexes fewer per reservation row (migration `v17_reservation_item_units_index`). `reservation_item_units`
    /// (saleId, productId, status, createdAt, userId, quantity) replaces `reservation_on_item` (saleId, productId, status)
    /// and the partial `reservation_live_units` (saleId, productId, userId, status, quantity): it serves what both served
    /// (an item's units by status summed from the index alone, the ledger's per-user count of each live item), and a new
    /// row's entry lands after its item's newest one (createdAt before userId), on one page for a whole batch, where
    /// `reservation_live_units` took one random page per row. `reservation_on_userId` (userId; made by `belongsTo` in
    /// `v6_flash_sales`) goes: `reservation_on_user` (userId, createdAt) serves every lookup by user, the foreign key's
    /// included. A commit writes every page it dirtied to the WAL in full, so the random pages set the cost of a batch.
    static func v17ReservationItemUnitsIndex(_ db: Database) throws {
        for index in ["reservation_live_units", "reservation_on_item", "reservation_on_userId"] { try db.execute(sql: "DROP INDEX \(index)") }
        try db.create(
            index: "reservation_item_units",
            on: "reservation",
            columns: ["saleId", "productId", "status", "createdAt", "userId", "quantity"]
        )
    }

    /// An order's reservations found by its id (migration `v18_reservation_on_order_index`): checkout's confirmation,
    /// a payment's, and a cancellation read and update them by `orderId`, which no index served, so each of them read
    /// every live hold of every user under the write lock. Partial: a hold gets its order only at checkout, so a new
    /// reservation row adds no entry and the reserve path writes no more pages.
    static func v18ReservationOnOrderIndex(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX reservation_on_order ON reservation(orderId) WHERE orderId IS NOT NULL")
    }
}
