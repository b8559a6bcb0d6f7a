import Foundation
import GRDB

extension AppDatabase {
    /// What ``seedDemoData(now:)`` added.
    public struct SeedReport: Sendable, Equatable {
        public let categoriesAdded: Int
        public let productsAdded: Int
    }

    /// Adds the demo bakery's categories and products that are not there yet (matched by slug),
    /// in one transaction. Running it again adds nothing.
    public func seedDemoData(now: Date) throws -> SeedReport {
        try writer.write { db in
            var categoryIDs: [String: String] = [:]
            var categoriesAdded = 0
            for (index, demo) in DemoCatalog.categories.enumerated() {
                if let existing = try CategoryRecord.filter(CategoryRecord.Columns.slug == demo.slug).fetchOne(db) {
                    categoryIDs[demo.slug] = existing.id
                    continue
                }
                let record = CategoryRecord(
                    id: UUID().uuidString.lowercased(),
                    slug: demo.slug,
                    name: demo.name,
                    description: demo.description,
                    descriptionEn: demo.descriptionEn,
                    sortOrder: index,
                    isActive: true,
                    createdAt: now,
                    updatedAt: now
                )
                try record.insert(db)
                categoryIDs[demo.slug] = record.id
                categoriesAdded += 1
            }
            var productsAdded = 0
            for demo in DemoCatalog.products
            where try ProductRecord.filter(ProductRecord.Columns.slug == demo.slug).fetchCount(db) == 0 {
                let record = ProductRecord(
                    id: UUID().uuidString.lowercased(),
                    slug: demo.slug,
                    name: demo.name,
                    description: demo.description,
                    descriptionEn: demo.descriptionEn,
                    price: demo.price,
                    compareAtPrice: demo.compareAtPrice,
                    stock: demo.stock,
                    images: [DemoCatalog.imagePath(for: demo.slug)],
                    categoryId: categoryIDs[demo.category],
                    tags: demo.tags,
                    ingredients: demo.ingredients,
                    ingredientsEn: demo.ingredientsEn,
                    allergens: demo.allergens,
                    weightGrams: demo.weightGrams,
                    isActive: true,
                    ratingAverage: 0,
                    ratingCount: 0,
                    deletedAt: nil,
                    createdAt: now,
                    updatedAt: now
                )
                try record.insert(db)
                productsAdded += 1
            }
            return SeedReport(categoriesAdded: categoriesAdded, productsAdded: productsAdded)
        }
    }

    /// How many live products the catalogue holds (used by start-up logging and tests).
    public func productCount() throws -> Int {
        try writer.read { db in try ProductRecord.filter(ProductRecord.Columns.deletedAt == nil).fetchCount(db) }
    }

    /// Whether the shop has neither categories nor products (a new shop).
    public func isCatalogEmpty() throws -> Bool {
        try writer.read { db in try CategoryRecord.fetchCount(db) == 0 && ProductRecord.fetchCount(db) == 0 }
    }
}
