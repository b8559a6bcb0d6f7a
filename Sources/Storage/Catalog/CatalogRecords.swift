import Foundation
import GRDB

/// A row of the `category` table.
struct CategoryRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "category"

    var id: String
    var slug: String
    var name: String
    var description: String
    var descriptionEn: String
    var sortOrder: Int
    var isActive: Bool
    var createdAt: Date
    var updatedAt: Date

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let slug = Column(CodingKeys.slug)
        static let sortOrder = Column(CodingKeys.sortOrder)
        static let isActive = Column(CodingKeys.isActive)
    }
}

/// A row of the `product` table. Money is an integer amount of the currency's smallest unit.
struct ProductRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "product"

    var id: String
    var slug: String
    var name: String
    var description: String
    var descriptionEn: String
    var price: Int
    var compareAtPrice: Int?
    var stock: Int
    var images: [String]
    var categoryId: String?
    var tags: [String]
    var ingredients: String
    var ingredientsEn: String
    var allergens: [String]
    var weightGrams: Int?
    var isActive: Bool
    var ratingAverage: Double
    var ratingCount: Int
    var deletedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let slug = Column(CodingKeys.slug)
        static let price = Column(CodingKeys.price)
        static let stock = Column(CodingKeys.stock)
        static let categoryId = Column(CodingKeys.categoryId)
        static let deletedAt = Column(CodingKeys.deletedAt)
        static let isActive = Column(CodingKeys.isActive)
    }
}
