import Foundation

/// A group of products on the storefront (cakes, sweet breads, gift boxes…).
public struct Category: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    public var name: String
    /// In Vietnamese; may be empty.
    public var description: String
    /// In English; empty until the bakery writes one (the storefront then shows ``description``).
    public var descriptionEn: String
    public var sortOrder: Int
    public var isActive: Bool
    /// Live, active products in the category.
    public var productCount: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// The category a product belongs to, as shown with the product.
public struct CategorySummary: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    public var name: String
}

/// Something the bakery sells. Money is an integer amount of the currency's smallest unit.
public struct Product: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    /// The product's name, the same in every language (a bakery keeps "Bánh mì hoa cúc" as it is).
    public var name: String
    /// In Vietnamese, the shop's own language; may be empty when only ``descriptionEn`` is written.
    public var description: String
    /// In English; empty until the bakery writes one (the storefront then shows ``description``).
    public var descriptionEn: String
    public var price: Int
    public var compareAtPrice: Int?
    public var stock: Int
    public var images: [String]
    public var category: CategorySummary?
    public var tags: [String]
    /// In Vietnamese, like ``description``.
    public var ingredients: String
    /// In English; empty until written (the storefront then shows ``ingredients``).
    public var ingredientsEn: String
    public var allergens: [String]
    public var weightGrams: Int?
    public var isActive: Bool
    public var ratingAverage: Double
    public var ratingCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    public var inStock: Bool { stock > 0 }
}

/// A customer's rating and comment on a product.
public struct Review: Sendable, Equatable, Codable {
    public var id: String
    public var productId: String
    public var userId: String
    /// The reviewer's display name.
    public var userName: String
    public var rating: Int
    public var comment: String
    public var createdAt: Date
}

/// A read result with the catalogue version it was read at, so a cache can tell when it is stale.
public struct Versioned<Value: Sendable>: Sendable {
    public var version: Int
    public var value: Value
}

/// How a product list is ordered.
public enum ProductSort: String, Sendable, CaseIterable {
    case price
    case priceDescending = "-price"
    case newest
    case name
    case nameDescending = "-name"
    /// Fewest left first: the admin's restocking view.
    case stock
    case stockDescending = "-stock"
    case rating
}

/// The filters of `GET /products`; nil means "any".
public struct ProductQuery: Sendable, Equatable {
    public var search: String?
    /// Category id or slug.
    public var category: String?
    public var minPrice: Int?
    public var maxPrice: Int?
    public var inStock: Bool?
    public var tag: String?
    /// Default: relevance when searching, else newest.
    public var sort: ProductSort?
    public var page: PageRequest
    /// Admins may list inactive products too (never deleted ones).
    public var includeInactive: Bool

    public init(
        search: String? = nil,
        category: String? = nil,
        minPrice: Int? = nil,
        maxPrice: Int? = nil,
        inStock: Bool? = nil,
        tag: String? = nil,
        sort: ProductSort? = nil,
        page: PageRequest = .first,
        includeInactive: Bool = false
    ) {
        self.search = search
        self.category = category
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.inStock = inStock
        self.tag = tag
        self.sort = sort
        self.page = page
        self.includeInactive = includeInactive
    }
}
