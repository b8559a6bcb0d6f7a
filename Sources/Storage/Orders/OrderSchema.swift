import GRDB

/// Carts and orders (migration `v7_cart_orders`). Order lines keep their own copy of the product's name and
/// prices, so later catalogue changes never rewrite an order.
enum OrderSchema {
    static func v7CartOrders(_ db: Database) throws {
        try db.create(table: "cart") { t in
            t.primaryKey("id", .text)
            t.column("userId", .text).unique().references("user", onDelete: .cascade)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "cartItem") { t in
            t.belongsTo("cart", onDelete: .cascade).notNull()
            t.belongsTo("product", onDelete: .cascade).notNull()
            t.column("quantity", .integer).notNull().check { $0 >= 1 && $0 <= 99 }
            t.column("addedAt", .datetime).notNull()
            t.primaryKey(["cartId", "productId"])
        }
        try db.create(table: "order") { t in
            t.primaryKey("id", .text)
            t.column("code", .text).notNull().unique()
            t.belongsTo("user", onDelete: .restrict).notNull()
            t.column("status", .text).notNull()
                .check { ["pending", "confirmed", "preparing", "shipping", "delivered", "cancelled", "refunded"].contains($0) }
            t.column("paymentMethod", .text).notNull().check { ["cod", "card", "bank_transfer"].contains($0) }
            t.column("subtotal", .integer).notNull().check { $0 >= 0 }
            t.column("discount", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("shippingFee", .integer).notNull().check { $0 >= 0 }
            t.column("total", .integer).notNull().check { $0 >= 0 }
            t.column("recipientName", .text).notNull()
            t.column("recipientPhone", .text).notNull()
            t.column("addressLine", .text).notNull()
            t.column("ward", .text).notNull()
            t.column("district", .text).notNull()
            t.column("city", .text).notNull()
            t.column("note", .text).notNull().defaults(to: "")
            t.column("idempotencyKey", .text)
            t.column("requestHash", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.uniqueKey(["userId", "idempotencyKey"])
        }
        try db.create(index: "order_on_user_created", on: "order", columns: ["userId", "createdAt"])
        try db.create(index: "order_on_status_created", on: "order", columns: ["status", "createdAt"])
        try db.create(table: "orderLine") { t in
            t.belongsTo("order", onDelete: .cascade).notNull()
            t.column("productId", .text).notNull()
            t.column("name", .text).notNull()
            t.column("unitPrice", .integer).notNull().check { $0 >= 0 }
            t.column("quantity", .integer).notNull().check { $0 >= 1 }
            t.column("reservationId", .text)
            t.column("lineTotal", .integer).notNull().check { $0 >= 0 }
        }
        try db.create(table: "orderStatusHistory") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("order", onDelete: .cascade).notNull()
            t.column("status", .text).notNull()
            t.column("changedBy", .text)
            t.column("note", .text)
            t.column("createdAt", .datetime).notNull()
        }
    }

    /// Adds `refund_pending` to the statuses the order table accepts (migration `v11_orders_refund_pending`).
    static func v11RefundPending(_ db: Database) throws {
        try TableRebuild.rebuild(db, table: "order") { definition in
            definition.replacingOccurrences(of: "'cancelled', 'refunded')", with: "'cancelled', 'refunded', 'refund_pending')")
        }
    }
}
