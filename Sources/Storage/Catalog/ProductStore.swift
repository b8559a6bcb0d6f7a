import Foundation
import GRDB

/// The catalogue's in-transaction functions that other areas call to move a product's stock (checkout,
/// cancellation, flash sales setting units aside), instead of writing the `product` table themselves.
enum ProductStore {
    /// Takes `quantity` units with a conditional update, never below zero. Returns nil when they were taken,
    /// or the units in stock when there are not enough.
    static func takeStock(_ db: Database, productID: String, quantity: Int) throws -> Int? {
        // Prepared once per connection: checkout runs it for every line.
        try db.cachedStatement(sql: "UPDATE product SET stock = stock - ? WHERE id = ? AND stock >= ?")
            .execute(arguments: [quantity, productID, quantity])
        guard db.changesCount == 0 else { return nil }
        return try ProductRecord.fetchOne(db, key: productID)?.stock ?? 0
    }

    /// Gives `quantity` units back (an order cancelled, a sale's unsold units returned).
    static func returnStock(_ db: Database, productID: String, quantity: Int) throws {
        _ = try ProductRecord.filter(key: productID).updateAll(db, ProductRecord.Columns.stock += quantity)
    }

    /// The product's name as it is now (for an order line's copy).
    static func name(_ db: Database, productID: String) throws -> String? {
        try ProductRecord.fetchOne(db, key: productID)?.name
    }
}
