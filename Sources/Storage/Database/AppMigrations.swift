import GRDB

/// The schema, as an append-only list of migrations: a released migration is never edited;
/// a change is a new migration at the end.
enum AppMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_foundation_catalog", migrate: v1FoundationCatalog)
        migrator.registerMigration("v2_accounts", migrate: v2Accounts)
        migrator.registerMigration("v3_catalog_search_reviews", migrate: CatalogSchema.v3SearchAndReviews)
        migrator.registerMigration("v4_jobs", migrate: JobSchema.v4Jobs)
        migrator.registerMigration("v5_notifications", migrate: NotificationService.v5Notifications)
        migrator.registerMigration("v6_flash_sales", migrate: FlashSaleSchema.v6FlashSales)
        migrator.registerMigration("v7_cart_orders", migrate: OrderSchema.v7CartOrders)
        migrator.registerMigration("v8_vouchers", migrate: VoucherStore.v8Vouchers)
        migrator.registerMigration("v9_payments", migrate: PaymentStore.v9Payments)
        migrator.registerMigration("v10_loyalty", migrate: PointsStore.v10Loyalty)
        migrator.registerMigration("v11_loyalty_redeemed_lots", migrate: PointsStore.v11RedeemedLots)
        migrator.registerMigration("v11_orders_refund_pending", migrate: OrderSchema.v11RefundPending)
        migrator.registerMigration("v11_reservations_outlive_items", migrate: FlashSaleSchema.v11ReservationsOutliveItems)
        migrator.registerMigration("v12_jobs_claim_index", migrate: JobSchema.v12JobsClaimIndex)
        migrator.registerMigration("v13_products_description_en", migrate: CatalogSchema.v13DescriptionEn)
        migrator.registerMigration("v14_catalog_texts_en", migrate: CatalogSchema.v14CatalogTextsEn)
        migrator.registerMigration("v15_ledger_live_reservations_index", migrate: FlashSaleSchema.v15LedgerLiveReservationsIndex)
        migrator.registerMigration("v16_jobs_partial_indexes", migrate: JobSchema.v16JobsPartialIndexes)
        migrator.registerMigration("v17_reservation_item_units_index", migrate: FlashSaleSchema.v17ReservationItemUnitsIndex)
        migrator.registerMigration("v18_reservation_on_order_index", migrate: FlashSaleSchema.v18ReservationOnOrderIndex)
        migrator.registerMigration("v19_jobs_integer_dates", migrate: JobSchema.v19JobsIntegerDates)
        migrator.registerMigration("v20_drop_shadowed_indexes", migrate: v20DropShadowedIndexes)
        return migrator
    }

    /// Shop metadata and the catalogue tables the demo data fills.
    private static func v1FoundationCatalog(_ db: Database) throws {
        try db.create(table: "appMeta") { t in
            t.primaryKey("key", .text)
            t.column("value", .text).notNull()
        }
        try db.create(table: "category") { t in
            t.primaryKey("id", .text)
            t.column("slug", .text).notNull().unique()
                .check { length($0) > 0 && length($0) <= 160 }
            t.column("name", .text).notNull()
                .check { length($0) > 0 && length($0) <= 120 }
            t.column("description", .text).notNull().defaults(to: "")
            t.column("sortOrder", .integer).notNull().defaults(to: 0)
            t.column("isActive", .boolean).notNull().defaults(to: true)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "product") { t in
            t.primaryKey("id", .text)
            t.column("slug", .text).notNull().unique()
                .check { length($0) > 0 && length($0) <= 200 }
            t.column("name", .text).notNull()
                .check { length($0) > 0 && length($0) <= 200 }
            t.column("description", .text).notNull().defaults(to: "")
            t.column("price", .integer).notNull().check { $0 >= 0 }
            t.column("compareAtPrice", .integer).check { $0 == nil || $0 >= 0 }
            t.column("stock", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("images", .jsonText).notNull().defaults(to: "[]")
            t.column("categoryId", .text).references("category", onDelete: .restrict)
            t.column("tags", .jsonText).notNull().defaults(to: "[]")
            t.column("ingredients", .text).notNull().defaults(to: "")
            t.column("allergens", .jsonText).notNull().defaults(to: "[]")
            t.column("weightGrams", .integer).check { $0 == nil || $0 > 0 }
            t.column("isActive", .boolean).notNull().defaults(to: true)
            t.column("ratingAverage", .double).notNull().defaults(to: 0)
            t.column("ratingCount", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("deletedAt", .datetime)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(index: "product_on_categoryId", on: "product", columns: ["categoryId"])
        try db.create(index: "product_on_price", on: "product", columns: ["price"])
    }

    /// Users, their sign-in sessions with rotating refresh tokens, and password-reset tokens.
    /// Tokens are stored only as SHA-256 hashes; emails are unique regardless of case.
    private static func v2Accounts(_ db: Database) throws {
        try db.create(table: "user") { t in
            t.primaryKey("id", .text)
            t.column("email", .text).notNull().unique().collate(.nocase)
                .check { length($0) >= 3 && length($0) <= 254 }
            t.column("name", .text).notNull()
                .check { length($0) > 0 && length($0) <= 100 }
            t.column("phone", .text)
            t.column("role", .text).notNull().defaults(to: "customer")
                .check { ["customer", "admin"].contains($0) }
            t.column("passwordHash", .text).notNull()
            t.column("isDisabled", .boolean).notNull().defaults(to: false)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "session") { t in
            t.primaryKey("id", .text)
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("lastUsedAt", .datetime).notNull()
            t.column("revokedAt", .datetime)
            t.column("revokedReason", .text)
        }
        try db.create(table: "refreshToken") { t in
            t.primaryKey("tokenHash", .text)
            t.belongsTo("session", onDelete: .cascade).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
            t.column("usedAt", .datetime)
        }
        try db.create(table: "passwordReset") { t in
            t.primaryKey("tokenHash", .text)
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
            t.column("usedAt", .datetime)
        }
    }

    /// Drops three indexes whose every lookup a wider index on the same leading column already serves: a checkout wrote
    /// a page of each for nothing (keyed by a user or cart id, each on a page of its own: one more WAL page per order
    /// for each). `order_on_userId` is the head of `order_on_user_created` (userId, createdAt) and of the unique
    /// (userId, idempotencyKey); `notification_on_userId` of `notification_on_user_id` (userId, id) and
    /// `notification_unread` (userId, isRead); `cartItem_on_cartId` of the cart item's primary key (cartId, productId).
    /// The foreign keys' checks and cascades look rows up by the same leading columns, through those indexes. The
    /// queries on a user's orders name `order_on_user_created` (`INDEXED BY`): SQLite, without statistics, would as
    /// soon search `order_on_status_created` when a status is given too.
    private static func v20DropShadowedIndexes(_ db: Database) throws {
        for index in ["order_on_userId", "notification_on_userId", "cartItem_on_cartId"] {
            try db.execute(sql: "DROP INDEX IF EXISTS \(index)")
        }
    }
}
