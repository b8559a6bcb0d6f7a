import Foundation
import GRDB

/// The catalogue: categories, products, search, images and reviews.
///
/// Reads return the catalogue version they saw (``Versioned``), read in the same transaction as the data,
/// so a response cache keyed by version can never hand out a result older than the last committed write.
public final class CatalogService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let images: ProductImageStore
    /// The catalogue version kept in memory, forgotten by every write that changes it.
    public let cachedVersion: CatalogVersion

    public init(database: AppDatabase, clock: any AppClock, images: ProductImageStore) {
        self.database = database
        self.clock = clock
        self.images = images
        self.cachedVersion = CatalogVersion(database: database)
    }

    /// The current catalogue version; it changes with every write to products, categories or reviews. Answered from
    /// memory unless a write happened since it was last read (``CatalogVersion``).
    public func version() async throws -> Int {
        try await cachedVersion.current { try await database.read { db in try Self.version(db) } }
    }

    /// The current catalogue version when it is known in memory (no write since it was last read), else nil: a cached
    /// answer's hot path checks it without suspending and calls ``version()`` only when it is nil.
    public var knownVersion: Int? { cachedVersion.known }

    static func version(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT version FROM catalogVersion WHERE id = 1") ?? 0
    }

    // MARK: - Categories

    /// Categories in storefront order; inactive ones only when asked (admin).
    public func categories(includeInactive: Bool = false) async throws -> Versioned<[Category]> {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "\(Self.categorySelect) \(includeInactive ? "" : "WHERE isActive") ORDER BY sortOrder, name"
            )
            return Versioned(version: try Self.version(db), value: rows.map(Self.category(from:)))
        }
    }

    /// What an admin sends to create or change a category; nil leaves a field as it is (or takes its default).
    public struct CategoryDraft: Sendable {
        public var name: String?
        public var slug: String?
        /// In Vietnamese.
        public var description: String?
        /// In English.
        public var descriptionEn: String?
        public var sortOrder: Int?
        public var isActive: Bool?

        public init(
            name: String? = nil,
            slug: String? = nil,
            description: String? = nil,
            descriptionEn: String? = nil,
            sortOrder: Int? = nil,
            isActive: Bool? = nil
        ) {
            self.name = name
            self.slug = slug
            self.description = description
            self.descriptionEn = descriptionEn
            self.sortOrder = sortOrder
            self.isActive = isActive
        }
    }

    public func createCategory(_ draft: CategoryDraft) async throws -> Category {
        guard let rawName = draft.name else { throw AppError.validation("A category needs a name.", fields: ["name": "is required"]) }
        let name = try CatalogRules.name(rawName, limit: 120)
        let description = try CatalogRules.description(draft.description ?? "")
        let descriptionEn = try CatalogRules.description(draft.descriptionEn ?? "", field: "descriptionEn")
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        return try await database.write { db in
            let slug = try CatalogRules.uniqueSlug(db, table: "category", requested: draft.slug, name: name, excluding: nil)
            try CategoryRecord(
                id: id,
                slug: slug,
                name: name,
                description: description,
                descriptionEn: descriptionEn,
                sortOrder: draft.sortOrder ?? 0,
                isActive: draft.isActive ?? true,
                createdAt: now,
                updatedAt: now
            ).insert(db)
            return try Self.fetchCategory(db, id: id)
        }
    }

    public func updateCategory(id: String, _ draft: CategoryDraft) async throws -> Category {
        let name = try draft.name.map { name throws(AppError) in try CatalogRules.name(name, limit: 120) }
        let description = try draft.description.map { text throws(AppError) in try CatalogRules.description(text) }
        let descriptionEn = try draft.descriptionEn.map { text throws(AppError) in try CatalogRules.description(text, field: "descriptionEn") }
        let now = clock.now()
        return try await database.write { db in
            guard var record = try CategoryRecord.fetchOne(db, key: id) else { throw AppError.notFound("The category") }
            if let name { record.name = name }
            if let description { record.description = description }
            if let descriptionEn { record.descriptionEn = descriptionEn }
            if let sortOrder = draft.sortOrder { record.sortOrder = sortOrder }
            if let isActive = draft.isActive { record.isActive = isActive }
            if let slug = draft.slug {
                record.slug = try CatalogRules.uniqueSlug(db, table: "category", requested: slug, name: record.name, excluding: id)
            }
            record.updatedAt = now
            try record.update(db)
            return try Self.fetchCategory(db, id: id)
        }
    }

    /// Deletes an empty category. One that still holds live products is a 409: move them first.
    public func deleteCategory(id: String) async throws {
        try await database.write { db in
            guard try CategoryRecord.exists(db, key: id) else { throw AppError.notFound("The category") }
            let live = try ProductRecord.filter(ProductRecord.Columns.categoryId == id && ProductRecord.Columns.deletedAt == nil).fetchCount(db)
            guard live == 0 else {
                throw AppError(.conflict, "This category still has \(live) product(s). Move or delete them first.")
            }
            try db.execute(sql: "UPDATE product SET categoryId = NULL WHERE categoryId = ?", arguments: [id])
            _ = try CategoryRecord.deleteOne(db, key: id)
        }
    }

    /// Categories with the number of live, active products in each.
    static let categorySelect = """
        SELECT category.*, (
            SELECT COUNT(*) FROM product
            WHERE product.categoryId = category.id AND product.deletedAt IS NULL AND product.isActive
        ) AS productCount
        FROM category
        """

    static func fetchCategory(_ db: Database, id: String) throws -> Category {
        let row = try Row.fetchOne(
            db,
            sql: "\(categorySelect) WHERE id = ?",
            arguments: [id]
        )
        guard let row else { throw AppError.notFound("The category") }
        return category(from: row)
    }

    static func category(from row: Row) -> Category {
        Category(
            id: row["id"],
            slug: row["slug"],
            name: row["name"],
            description: row["description"],
            descriptionEn: row["descriptionEn"],
            sortOrder: row["sortOrder"],
            isActive: row["isActive"],
            productCount: row["productCount"],
            createdAt: row["createdAt"],
            updatedAt: row["updatedAt"]
        )
    }
}
