import Foundation
import Hummingbird
import Storage

/// A product as the API shows it.
struct ProductResponse: ResponseEncodable {
    struct Rating: Encodable {
        let average: Double
        let count: Int
    }

    let id: String
    let slug: String
    let name: String
    let description: String
    let descriptionEn: String
    let price: Int
    let compareAtPrice: Int?
    let stock: Int
    let inStock: Bool
    let images: [String]
    let category: CategorySummary?
    let tags: [String]
    let ingredients: String
    let ingredientsEn: String
    let allergens: [String]
    let weightGrams: Int?
    let isActive: Bool
    let rating: Rating
    let createdAt: Date
    let updatedAt: Date

    init(_ product: Product) {
        id = product.id
        slug = product.slug
        name = product.name
        description = product.description
        descriptionEn = product.descriptionEn
        price = product.price
        compareAtPrice = product.compareAtPrice
        stock = product.stock
        inStock = product.inStock
        images = product.images
        category = product.category
        tags = product.tags
        ingredients = product.ingredients
        ingredientsEn = product.ingredientsEn
        allergens = product.allergens
        weightGrams = product.weightGrams
        isActive = product.isActive
        rating = Rating(average: product.ratingAverage, count: product.ratingCount)
        createdAt = product.createdAt
        updatedAt = product.updatedAt
    }
}

extension Category: ResponseEncodable {}
extension Review: ResponseEncodable {}

/// The body of `POST /categories` and `PATCH /categories/:id`.
struct CategoryRequest: Decodable {
    let name: String?
    let slug: String?
    let description: String?
    let descriptionEn: String?
    let sortOrder: Int?
    let isActive: Bool?

    var draft: CatalogService.CategoryDraft {
        .init(name: name, slug: slug, description: description, descriptionEn: descriptionEn, sortOrder: sortOrder, isActive: isActive)
    }
}

/// The body of `POST /products` and `PATCH /products/:id`. An explicit `null` clears `compareAtPrice`,
/// `categoryId` or `weightGrams`; a missing field leaves it as it is. Unknown fields are ignored.
struct ProductRequest: Decodable {
    let draft: CatalogService.ProductDraft

    enum Key: String, CodingKey {
        case name, slug, description, descriptionEn, price, compareAtPrice, stock, images, categoryId, tags, ingredients, allergens, weightGrams
        case ingredientsEn, isActive
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var draft = CatalogService.ProductDraft()
        draft.name = try container.decodeIfPresent(String.self, forKey: .name)
        draft.slug = try container.decodeIfPresent(String.self, forKey: .slug)
        draft.description = try container.decodeIfPresent(String.self, forKey: .description)
        draft.descriptionEn = try container.decodeIfPresent(String.self, forKey: .descriptionEn)
        draft.price = try container.decodeIfPresent(Int.self, forKey: .price)
        draft.stock = try container.decodeIfPresent(Int.self, forKey: .stock)
        draft.images = try container.decodeIfPresent([String].self, forKey: .images)
        draft.tags = try container.decodeIfPresent([String].self, forKey: .tags)
        draft.ingredients = try container.decodeIfPresent(String.self, forKey: .ingredients)
        draft.ingredientsEn = try container.decodeIfPresent(String.self, forKey: .ingredientsEn)
        draft.allergens = try container.decodeIfPresent([String].self, forKey: .allergens)
        draft.isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
        if container.contains(.compareAtPrice) { draft.compareAtPrice = .some(try container.decodeIfPresent(Int.self, forKey: .compareAtPrice)) }
        if container.contains(.categoryId) { draft.categoryId = .some(try container.decodeIfPresent(String.self, forKey: .categoryId)) }
        if container.contains(.weightGrams) { draft.weightGrams = .some(try container.decodeIfPresent(Int.self, forKey: .weightGrams)) }
        self.draft = draft
    }
}

/// The body of `POST /products/:id/reviews`.
struct ReviewRequest: Decodable {
    let rating: Int
    let comment: String?
}
