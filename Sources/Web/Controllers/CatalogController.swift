import Foundation
import Hummingbird
import Storage

/// The public catalogue — categories, products with search and filters, reviews — served from
/// ``CatalogResponseCache``; plus reviewing for signed-in users.
struct CatalogController<Context: AppRequestContextProtocol> {
    let catalog: CatalogService
    let cache: CatalogResponseCache
    /// Product-list targets already parsed, with their cache keys.
    let productQueries = ProductQueryMemo()

    /// Mounted at `categories`.
    func addPublicCategoryRoutes(to group: RouterGroup<Context>) {
        group.get(use: categories)
    }

    /// Mounted at `products`: the catalogue with search and filters, one product, its reviews.
    func addPublicProductRoutes(to group: RouterGroup<Context>) {
        group.get(use: products)
        group.get(":id", use: product)
        group.get(":id/reviews", use: reviews)
    }

    /// Mounted at `products`, signed in: reviewing a product.
    func addSignedInProductRoutes(to group: RouterGroup<Context>) {
        group.post(":id/reviews", use: addReview)
    }

    /// Mounted at `reviews`, signed in: deleting a review.
    func addSignedInReviewRoutes(to group: RouterGroup<Context>) {
        group.delete(":id", use: deleteReview)
    }

    @Sendable func categories(_ request: Request, context: Context) async throws -> Response {
        if try wantsInactive(request, context) {
            return try JSONCoding.response(ListResponse(items: try await catalog.categories(includeInactive: true).value))
        }
        return try await cached(request, key: "categories") {
            let categories = try await catalog.categories()
            return (categories.version, ListResponse(items: categories.value))
        }
    }

    @Sendable func products(_ request: Request, context: Context) async throws -> Response {
        // The target (path and query) as the client sent it: a list asked for before is not parsed again.
        let target = Substring(request.head.path ?? "")
        let list: ProductQueryMemo.Parsed
        if let known = productQueries.parsed(target) {
            list = known
        } else {
            let parameters = QueryValues(request)
            var query = try Self.productQuery(parameters)
            let asksForInactive = try Self.asksForInactive(parameters)
            if asksForInactive, Self.isAdmin(context) {
                query.includeInactive = true
                return try JSONCoding.response(PageResponse(try await catalog.listProducts(query).value, ProductResponse.init))
            }
            list = ProductQueryMemo.Parsed(query: query, key: Self.productsKey(query))
            // Who asks decides what such a query gets: it is parsed afresh each time.
            if !asksForInactive { productQueries.keep(list, for: target) }
        }
        return try await cached(request, key: list.key) {
            let page = try await catalog.listProducts(list.query)
            return (page.version, PageResponse(page.value, ProductResponse.init))
        }
    }

    @Sendable func product(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        if try wantsInactive(request, context) {
            return try JSONCoding.response(ProductResponse(try await catalog.product(idOrSlug: id, includeInactive: true).value))
        }
        return try await cached(request, key: Self.key("product", [id])) {
            let product = try await catalog.product(idOrSlug: id)
            return (product.version, ProductResponse(product.value))
        }
    }

    @Sendable func reviews(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let page = try PageRequest(query: request)
        return try await cached(request, key: Self.key("reviews", [id, String(page.page), String(page.limit)])) {
            let reviews = try await catalog.reviews(productIdOrSlug: id, page: page)
            return (reviews.version, PageResponse(reviews.value) { $0 })
        }
    }

    @Sendable func addReview(_ request: Request, context: Context) async throws -> EditedResponse<Review> {
        let input = try await request.decode(as: ReviewRequest.self, context: context)
        let review = try await catalog.addReview(
            by: try context.requireIdentity(),
            productIdOrSlug: try context.parameters.require("id"),
            rating: input.rating,
            comment: input.comment
        )
        return EditedResponse(status: .created, response: review)
    }

    @Sendable func deleteReview(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await catalog.deleteReview(id: try context.parameters.require("id"), by: try context.requireIdentity())
        return .noContent
    }

    // MARK: - Helpers

    private func cached(_ request: Request, key: String, load: () async throws -> (Int, any Encodable)) async throws -> Response {
        // The common case, a hit at the version held in memory, waits on nothing: no await, so no async frame or executor
        // check per call below this one (bench/PROFILES.md, ninth round).
        if let version = catalog.knownVersion, let hit = cache.cachedResponse(for: request, key: key, version: version) { return hit }
        return try await cache.response(
            for: request,
            key: key,
            currentVersion: try await catalog.version(),
            load: { try await load() }
        )
    }

    /// The cache key of a product list: only the parsed parameters the route reads, so `?page=01`, `?page=1` and
    /// `?page=1&utm=x` share one entry and made-up parameters cannot fill the cache.
    static func productsKey(_ query: ProductQuery) -> String {
        key(
            "products",
            [
                query.search, query.category, query.minPrice.map(String.init), query.maxPrice.map(String.init),
                query.inStock.map { $0 ? "1" : "0" }, query.tag, query.sort?.rawValue, String(query.page.page), String(query.page.limit),
            ]
        )
    }

    /// A route name and its values, unambiguously: each value after a space as its UTF-8 length, a colon and its bytes;
    /// an absent one as `-` (so no value can pass for two, or for an absent one). Bytes outside printable ASCII, and
    /// `%`, are written `%XX`: the key is ASCII, so two values differing in any byte never share an entry (Swift
    /// compares `String`s by canonical equivalence — `e` + U+0302 + U+0323 equals `e` + U+0323 + U+0302 — while
    /// SQLite's search compares bytes and may answer them differently).
    static func key(_ route: String, _ values: [String?]) -> String {
        var key = route
        key.reserveCapacity(route.utf8.count + values.reduce(0) { $0 + 8 + ($1?.utf8.count ?? 0) })
        for value in values {
            if let value {
                key += " "
                key += String(value.utf8.count)
                key += ":"
                if value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x25 }) {
                    key += value
                } else {
                    for byte in value.utf8 {
                        if byte > 0x20, byte < 0x7F, byte != 0x25 {
                            key.unicodeScalars.append(Unicode.Scalar(byte))
                        } else {
                            key += "%"
                            key.unicodeScalars.append(hexDigit(byte >> 4))
                            key.unicodeScalars.append(hexDigit(byte))
                        }
                    }
                }
            } else {
                key += " -"
            }
        }
        return key
    }

    /// `0`-`9`, `A`-`F` for the low four bits of `nibble`.
    private static func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
        let value = nibble & 0x0F
        return Unicode.Scalar(value < 10 ? 0x30 + value : 0x37 + value)
    }

    /// `includeInactive=true` from an admin: an uncached answer that also lists hidden items.
    private func wantsInactive(_ request: Request, _ context: Context) throws -> Bool {
        try Self.asksForInactive(QueryValues(request)) && Self.isAdmin(context)
    }

    /// Whether the query asks for inactive entries too (a 400 when `includeInactive` is not a boolean); admins get them.
    private static func asksForInactive(_ parameters: QueryValues) throws -> Bool {
        try parameters.boolean("includeInactive") == true
    }

    private static func isAdmin(_ context: Context) -> Bool {
        context.identity?.user.role == .admin
    }

    static func productQuery(_ request: Request) throws -> ProductQuery {
        try productQuery(QueryValues(request))
    }

    /// The product list's parameters, validated: a 400 naming the first one that is not valid.
    static func productQuery(_ parameters: QueryValues) throws -> ProductQuery {
        func price(_ name: String) throws -> Int? {
            let price = try parameters.integer(name)
            if let price, price < 0 { throw AppError.validation("\(name) must not be negative.", fields: [name: "must be 0 or more"]) }
            return price
        }
        let minPrice = try price("minPrice")
        let maxPrice = try price("maxPrice")
        let search = parameters.text("q")
        if let search, search.count > 200 {
            throw AppError.validation("The search is too long.", fields: ["q": "must be at most 200 characters"])
        }
        return ProductQuery(
            search: search,
            category: parameters.text("category"),
            minPrice: minPrice,
            maxPrice: maxPrice,
            inStock: try parameters.boolean("inStock"),
            tag: parameters.text("tag"),
            sort: try parameters.choice("sort", as: ProductSort.self),
            page: try PageRequest(query: parameters)
        )
    }
}
