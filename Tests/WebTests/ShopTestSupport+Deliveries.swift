import Foundation
import GRDB

@testable import Storage

extension ShopFixture {
    /// Records a delivered order of one unit of the product for the user with this email (reviews are for
    /// verified buyers). Written directly: the tests that use it are about reviews, not the order flow.
    func deliver(_ productIdOrSlug: String, to email: String) async throws {
        let now = clock.now()
        try await shop.database.write { db in
            let product = try CatalogService.fetchProduct(db, idOrSlug: productIdOrSlug, includeInactive: true)
            guard let userID = try String.fetchOne(db, sql: "SELECT id FROM user WHERE email = ?", arguments: [email]) else {
                throw AppError.notFound("The user")
            }
            let orderID = UUID().uuidString.lowercased()
            try db.execute(
                sql: """
                    INSERT INTO "order" (id, code, userId, status, paymentMethod, subtotal, shippingFee, total, recipientName,
                        recipientPhone, addressLine, ward, district, city, createdAt, updatedAt)
                    VALUES (?, ?, ?, 'delivered', 'cod', ?, 0, ?, 'Lan', '0901234567', '1 Lê Lợi', 'Bến Nghé', 'Quận 1', 'HCM', ?, ?)
                    """,
                arguments: [orderID, "KL-\(orderID.prefix(8))", userID, product.price, product.price, now, now]
            )
            try db.execute(
                sql: "INSERT INTO orderLine (orderId, productId, name, unitPrice, quantity, lineTotal) VALUES (?, ?, ?, ?, 1, ?)",
                arguments: [orderID, product.id, product.name, product.price, product.price]
            )
        }
    }
}
