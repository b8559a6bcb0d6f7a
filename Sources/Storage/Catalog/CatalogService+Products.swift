import Foundation
import GRDB
import NIOPosix

extension CatalogService {
    /// One page of products matching the query, with the total count.
    public func listProducts(_ query: ProductQuery) async throws -> Versioned<Page<Product>> {
        if let min = query.minPrice, let max = query.maxPrice, min > max {
            throw AppError.validation("minPrice is above maxPrice.", fields: ["minPrice": "must not exceed maxPrice"])
        }
        let (from, arguments, isSearch) = Self.filter(query)
        let order: String =
            switch query.sort {
            case .price: "product.price, product.id"
            case .priceDescending: "product.price DESC, product.id"
            case .name: "product.name, product.id"
            case .nameDescending: "product.name DESC, product.id"
            case .stock: "product.stock, product.name, product.id"
            case .stockDescending: "product.stock DESC, product.name, product.id"
            case .rating: "product.ratingAverage DESC, product.ratingCount DESC, product.id"
            case .newest: "product.createdAt DESC, product.id"
            case nil: isSearch ? "bm25(productSearch, 10.0, 5.0, 1.0), product.id" : "product.createdAt DESC, product.id"
            }
        return try await database.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from)", arguments: arguments) ?? 0
            var pageArguments = arguments
            pageArguments += [query.page.limit, query.page.offset]
            let rows = try Row.fetchAll(db, sql: "\(Self.productSelect) \(from) ORDER BY \(order) LIMIT ? OFFSET ?", arguments: pageArguments)
            let page = Page(items: try rows.map(Self.product(from:)), request: query.page, total: total)
            return Versioned(version: try Self.version(db), value: page)
        }
    }

    /// A live product by id or slug; inactive ones only for admins.
    public func product(idOrSlug: String, includeInactive: Bool = false) async throws -> Versioned<Product> {
        try await database.read { db in
            Versioned(version: try Self.version(db), value: try Self.fetchProduct(db, idOrSlug: idOrSlug, includeInactive: includeInactive))
        }
    }

    /// What an admin sends to create or change a product. For a change, nil leaves a field as it is;
    /// `.some(nil)` clears a clearable one (compare-at price, category, weight).
    public struct ProductDraft: Sendable {
        public var name: String?
        public var slug: String?
        public var description: String?
        public var descriptionEn: String?
        public var price: Int?
        public var compareAtPrice: Int??
        public var stock: Int?
        public var images: [String]?
        public var categoryId: String??
        public var tags: [String]?
        public var ingredients: String?
        public var ingredientsEn: String?
        public var allergens: [String]?
        public var weightGrams: Int??
        public var isActive: Bool?

        public init() {}
    }

    public func createProduct(_ draft: ProductDraft) async throws -> Product {
        guard let name = draft.name else { throw AppError.validation("A product needs a name.", fields: ["name": "is required"]) }
        guard let price = draft.price else { throw AppError.validation("A product needs a price.", fields: ["price": "is required"]) }
        let now = clock.now()
        var record = ProductRecord(
            id: UUID().uuidString.lowercased(),
            slug: "",
            name: try CatalogRules.name(name),
            description: "",
            descriptionEn: "",
            price: try CatalogRules.money(price, field: "price"),
            compareAtPrice: nil,
            stock: 0,
            images: [],
            categoryId: nil,
            tags: [],
            ingredients: "",
            ingredientsEn: "",
            allergens: [],
            weightGrams: nil,
            isActive: true,
            ratingAverage: 0,
            ratingCount: 0,
            deletedAt: nil,
            createdAt: now,
            updatedAt: now
        )
        try Self.apply(draft, to: &record)
        let product = record
        return try await database.write { db in
            var product = product
            try Self.checkCategory(db, product.categoryId)
            product.slug = try CatalogRules.uniqueSlug(db, table: "product", requested: draft.slug, name: product.name, excluding: nil)
            try product.insert(db)
            return try Self.fetchProduct(db, idOrSlug: product.id, includeInactive: true)
        }
    }

    public func updateProduct(id: String, _ draft: ProductDraft) async throws -> Product {
        let now = clock.now()
        return try await database.write { db in
            guard var record = try ProductRecord.filter(ProductRecord.Columns.id == id && ProductRecord.Columns.deletedAt == nil).fetchOne(db) else {
                throw AppError.notFound("The product")
            }
            try Self.apply(draft, to: &record)
            try Self.checkCategory(db, record.categoryId)
            if let slug = draft.slug {
                record.slug = try CatalogRules.uniqueSlug(db, table: "product", requested: slug, name: record.name, excluding: id)
            }
            record.updatedAt = now
            try record.update(db)
            return try Self.fetchProduct(db, idOrSlug: id, includeInactive: true)
        }
    }

    /// Soft-deletes a product: it leaves the storefront, while orders keep their own copies of its name and price.
    public func deleteProduct(id: String) async throws {
        let now = clock.now()
        try await database.write { db in
            try db.execute(
                sql: "UPDATE product SET deletedAt = ?, isActive = 0, updatedAt = ? WHERE id = ? AND deletedAt IS NULL",
                arguments: [now, now, id]
            )
            guard db.changesCount == 1 else { throw AppError.notFound("The product") }
        }
    }

    /// Stores an uploaded picture (checked by content) and adds it to the product's images.
    public func addImage(productID: String, data: Data) async throws -> Product {
        guard
            try await database.read({ db in
                try ProductRecord.filter(ProductRecord.Columns.id == productID && ProductRecord.Columns.deletedAt == nil).fetchCount(db)
            }) == 1
        else {
            throw AppError.notFound("The product")
        }
        // Hashing and writing up to 5 MB is blocking work: on NIO's thread pool, never on the loop that runs this task.
        let images = self.images
        let path = try await NIOThreadPool.singleton.runIfActive { try images.save(data) }
        let now = clock.now()
        return try await database.write { db in
            guard var record = try ProductRecord.filter(ProductRecord.Columns.id == productID && ProductRecord.Columns.deletedAt == nil).fetchOne(db)
            else {
                throw AppError.notFound("The product")
            }
            if !record.images.contains(path) {
                record.images = try CatalogRules.images(record.images + [path])
                record.updatedAt = now
                try record.update(db)
            }
            return try Self.fetchProduct(db, idOrSlug: productID, includeInactive: true)
        }
    }

    // MARK: - Helpers

    static let productSelect = "SELECT product.*, category.slug AS categorySlug, category.name AS categoryName"

    /// The FROM and WHERE clauses of a product query, their arguments, and whether it is a text search.
    static func filter(_ query: ProductQuery) -> (String, StatementArguments, Bool) {
        var from = "FROM product LEFT JOIN category ON category.id = product.categoryId"
        var conditions = ["product.deletedAt IS NULL"]
        var arguments: StatementArguments = []
        var isSearch = false
        if let search = query.search, let match = ProductSearch.matchExpression(search) {
            from += " JOIN productSearch ON productSearch.rowid = product.rowid"
            conditions.append("productSearch MATCH ?")
            arguments += [match]
            isSearch = true
        }
        if !query.includeInactive {
            conditions.append("product.isActive AND (category.id IS NULL OR category.isActive)")
        }
        if let category = query.category {
            conditions.append("(category.id = ? OR category.slug = ?)")
            arguments += [category, category]
        }
        if let minPrice = query.minPrice {
            conditions.append("product.price >= ?")
            arguments += [minPrice]
        }
        if let maxPrice = query.maxPrice {
            conditions.append("product.price <= ?")
            arguments += [maxPrice]
        }
        if let inStock = query.inStock {
            conditions.append(inStock ? "product.stock > 0" : "product.stock = 0")
        }
        if let tag = query.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(product.tags) WHERE lower(json_each.value) = lower(?))")
            arguments += [tag]
        }
        return ("\(from) WHERE \(conditions.joined(separator: " AND "))", arguments, isSearch)
    }

    static func fetchProduct(_ db: Database, idOrSlug: String, includeInactive: Bool) throws -> Product {
        let visibility = includeInactive ? "" : "AND product.isActive AND (category.id IS NULL OR category.isActive)"
        let row = try Row.fetchOne(
            db,
            sql: """
                \(productSelect) FROM product LEFT JOIN category ON category.id = product.categoryId
                WHERE (product.id = ? OR product.slug = ?) AND product.deletedAt IS NULL \(visibility)
                """,
            arguments: [idOrSlug, idOrSlug]
        )
        guard let row else { throw AppError.notFound("The product") }
        return try product(from: row)
    }

    static func product(from row: Row) throws -> Product {
        let record = try ProductRecord(row: row)
        let category: CategorySummary? = record.categoryId.flatMap { id in
            guard let slug: String = row["categorySlug"], let name: String = row["categoryName"] else { return nil }
            return CategorySummary(id: id, slug: slug, name: name)
        }
        return Product(
            id: record.id,
            slug: record.slug,
            name: record.name,
            description: record.description,
            descriptionEn: record.descriptionEn,
            price: record.price,
            compareAtPrice: record.compareAtPrice,
            stock: record.stock,
            images: record.images,
            category: category,
            tags: record.tags,
            ingredients: record.ingredients,
            ingredientsEn: record.ingredientsEn,
            allergens: record.allergens,
            weightGrams: record.weightGrams,
            isActive: record.isActive,
            ratingAverage: record.ratingAverage,
            ratingCount: record.ratingCount,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt
        )
    }

    /// Validates a draft's fields and copies them onto the record.
    static func apply(_ draft: ProductDraft, to record: inout ProductRecord) throws(AppError) {
        if let name = draft.name { record.name = try CatalogRules.name(name) }
        if let description = draft.description { record.description = try CatalogRules.description(description) }
        if let english = draft.descriptionEn { record.descriptionEn = try CatalogRules.description(english, field: "descriptionEn") }
        if let price = draft.price { record.price = try CatalogRules.money(price, field: "price") }
        if let compareAtPrice = draft.compareAtPrice {
            record.compareAtPrice = try compareAtPrice.map { value throws(AppError) in try CatalogRules.money(value, field: "compareAtPrice") }
        }
        if let stock = draft.stock { record.stock = try CatalogRules.stock(stock) }
        if let images = draft.images { record.images = try CatalogRules.images(images) }
        if let categoryId = draft.categoryId { record.categoryId = categoryId }
        if let tags = draft.tags { record.tags = try CatalogRules.words(tags, field: "tags") }
        if let ingredients = draft.ingredients { record.ingredients = try CatalogRules.description(ingredients, field: "ingredients") }
        if let english = draft.ingredientsEn { record.ingredientsEn = try CatalogRules.description(english, field: "ingredientsEn") }
        if let allergens = draft.allergens { record.allergens = try CatalogRules.words(allergens, field: "allergens") }
        if let weight = draft.weightGrams { record.weightGrams = try weight.map { value throws(AppError) in try CatalogRules.weight(value) } }
        if let isActive = draft.isActive { record.isActive = isActive }
        if let compareAtPrice = record.compareAtPrice, compareAtPrice < record.price {
            throw .validation("The compare-at price is below the price.", fields: ["compareAtPrice": "must be at least the price"])
        }
    }

    static func checkCategory(_ db: Database, _ categoryId: String?) throws {
        guard let categoryId else { return }
        guard try CategoryRecord.exists(db, key: categoryId) else {
            throw AppError.validation("No such category.", fields: ["categoryId": "must be the id of an existing category"])
        }
    }
}
