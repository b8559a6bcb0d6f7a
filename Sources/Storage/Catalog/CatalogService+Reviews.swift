import Foundation
import GRDB

extension CatalogService {
    /// A product's reviews, newest first.
    public func reviews(productIdOrSlug: String, page: PageRequest) async throws -> Versioned<Page<Review>> {
        try await database.read { db in
            let product = try Self.fetchProduct(db, idOrSlug: productIdOrSlug, includeInactive: false)
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review WHERE productId = ?", arguments: [product.id]) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT review.*, user.name AS userName FROM review JOIN user ON user.id = review.userId
                    WHERE review.productId = ? ORDER BY review.createdAt DESC, review.id LIMIT ? OFFSET ?
                    """,
                arguments: [product.id, page.limit, page.offset]
            )
            return Versioned(version: try Self.version(db), value: Page(items: rows.map(Self.review(from:)), request: page, total: total))
        }
    }

    /// Adds the signed-in user's review: rating 1–5 and an optional comment, one per user and product.
    /// Only a verified buyer may review: someone with a delivered order of the product (403 otherwise).
    /// The product's rating average and count change in the same transaction.
    public func addReview(by identity: Identity, productIdOrSlug: String, rating: Int, comment: String?) async throws -> Review {
        guard (1...5).contains(rating) else {
            throw AppError.validation("The rating must be from 1 to 5.", fields: ["rating": "must be a whole number from 1 to 5"])
        }
        let text = try CatalogRules.description(comment ?? "", field: "comment", limit: 2000)
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        do {
            return try await database.write { db in
                let product = try Self.fetchProduct(db, idOrSlug: productIdOrSlug, includeInactive: false)
                guard try Self.hasReceived(db, userID: identity.user.id, productID: product.id) else {
                    throw AppError(.forbidden, "Only customers who received this product may review it.")
                }
                try db.execute(
                    sql: "INSERT INTO review (id, productId, userId, rating, comment, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [id, product.id, identity.user.id, rating, text, now]
                )
                try Self.refreshRating(db, productID: product.id)
                return Review(
                    id: id,
                    productId: product.id,
                    userId: identity.user.id,
                    userName: identity.user.name,
                    rating: rating,
                    comment: text,
                    createdAt: now
                )
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AppError(.conflict, "You have already reviewed this product.")
        }
    }

    /// Deletes a review; only its author or an admin may.
    public func deleteReview(id: String, by identity: Identity) async throws {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT userId, productId FROM review WHERE id = ?", arguments: [id]) else {
                throw AppError.notFound("The review")
            }
            let author: String = row["userId"]
            guard author == identity.user.id || identity.user.role == .admin else {
                throw AppError(.forbidden, "Only the author or an administrator may delete this review.")
            }
            try db.execute(sql: "DELETE FROM review WHERE id = ?", arguments: [id])
            try Self.refreshRating(db, productID: row["productId"])
        }
    }

    /// Whether the user has a delivered order with a line of the product.
    static func hasReceived(_ db: Database, userID: String, productID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: hasReceivedSQL, arguments: [userID, productID]) ?? false
    }

    /// Searches the user's orders, never every delivered order of the shop: without statistics SQLite rates
    /// `order_on_user_created` (userId, createdAt) and `order_on_status_created` (status, createdAt) alike and took
    /// the second, so each review request read every delivered order under the write lock (a test pins the plan).
    static let hasReceivedSQL = """
        SELECT EXISTS (SELECT 1 FROM "order" INDEXED BY order_on_user_created JOIN orderLine ON orderLine.orderId = "order".id
        WHERE "order".userId = ? AND "order".status = 'delivered' AND orderLine.productId = ?)
        """

    /// Recomputes a product's rating average and count from its reviews.
    static func refreshRating(_ db: Database, productID: String) throws {
        try db.execute(
            sql: """
                UPDATE product SET
                    ratingAverage = COALESCE((SELECT ROUND(AVG(rating), 2) FROM review WHERE productId = :id), 0),
                    ratingCount = (SELECT COUNT(*) FROM review WHERE productId = :id)
                WHERE id = :id
                """,
            arguments: ["id": productID]
        )
    }

    static func review(from row: Row) -> Review {
        Review(
            id: row["id"],
            productId: row["productId"],
            userId: row["userId"],
            userName: row["userName"],
            rating: row["rating"],
            comment: row["comment"],
            createdAt: row["createdAt"]
        )
    }
}
