import Foundation
import Testing

@testable import Storage

@Suite struct CatalogQueryTests {
    @Test func demoCatalogueIsBrowsableByCategoryWithCounts() async throws {
        let fixture = try CatalogFixture()
        let categories = try await fixture.catalog.categories().value
        #expect(categories.count == DemoCatalog.categories.count)
        #expect(categories.map(\.productCount).reduce(0, +) == DemoCatalog.products.count)
        let page = try await fixture.catalog.listProducts(ProductQuery(category: "banh-kem")).value
        #expect(page.total == DemoCatalog.products.filter { $0.category == "banh-kem" }.count)
        #expect(page.items.allSatisfy { $0.category?.slug == "banh-kem" })
    }

    @Test func priceStockAndTagFiltersCombine() async throws {
        let fixture = try CatalogFixture()
        let all = try await fixture.catalog.listProducts(ProductQuery(page: PageRequest(limit: 100))).value.items
        let inRange = try await fixture.catalog.listProducts(ProductQuery(minPrice: 100_000, maxPrice: 300_000, page: PageRequest(limit: 100))).value
            .items
        #expect(Set(inRange.map(\.id)) == Set(all.filter { (100_000...300_000).contains($0.price) }.map(\.id)))
        let tag = try #require(all.flatMap(\.tags).first)
        let tagged = try await fixture.list(ProductQuery(tag: tag.uppercased(), page: PageRequest(limit: 100)))
        #expect(Set(tagged) == Set(all.filter { $0.tags.contains(tag) }.map(\.slug)))

        var soldOut = CatalogService.ProductDraft()
        soldOut.stock = 0
        let target = try #require(all.first { $0.stock > 0 })
        _ = try await fixture.catalog.updateProduct(id: target.id, soldOut)
        let expectedSoldOut = Set(all.filter { $0.stock == 0 }.map(\.slug) + [target.slug])
        #expect(Set(try await fixture.list(ProductQuery(inStock: false, page: PageRequest(limit: 100)))) == expectedSoldOut)
        #expect(try await fixture.catalog.listProducts(ProductQuery(inStock: true)).value.total == all.count - expectedSoldOut.count)
        await #expect(throws: AppError.self) { try await fixture.catalog.listProducts(ProductQuery(minPrice: 5, maxPrice: 1)) }
    }

    @Test(arguments: ProductSort.allCases)
    func everySortOrdersTheWholeListConsistently(sort: ProductSort) async throws {
        let fixture = try CatalogFixture()
        let items = try await fixture.catalog.listProducts(ProductQuery(sort: sort, page: PageRequest(limit: 100))).value.items
        let ordered: Bool =
            switch sort {
            case .price: items.map(\.price) == items.map(\.price).sorted()
            case .priceDescending: items.map(\.price) == items.map(\.price).sorted(by: >)
            case .name: items.map(\.name) == items.map(\.name).sorted()
            case .nameDescending: items.map(\.name) == items.map(\.name).sorted(by: >)
            case .stock: items.map(\.stock) == items.map(\.stock).sorted()
            case .stockDescending: items.map(\.stock) == items.map(\.stock).sorted(by: >)
            case .newest: items.map(\.createdAt) == items.map(\.createdAt).sorted(by: >)
            case .rating: items.map(\.ratingAverage) == items.map(\.ratingAverage).sorted(by: >)
            }
        #expect(ordered)
        #expect(items.count == DemoCatalog.products.count)
    }

    @Test func pagesPartitionTheListWithoutOverlap() async throws {
        let fixture = try CatalogFixture()
        var seen: [String] = []
        for number in 1...7 {
            let page = try await fixture.catalog.listProducts(ProductQuery(sort: .price, page: PageRequest(page: number, limit: 3))).value
            #expect(page.total == DemoCatalog.products.count)
            seen += page.items.map(\.id)
        }
        #expect(seen.count == DemoCatalog.products.count)
        #expect(Set(seen).count == seen.count)
        #expect(try await fixture.catalog.listProducts(ProductQuery(page: PageRequest(page: 99, limit: 20))).value.items.isEmpty)
    }

    @Test(arguments: [
        ("banh kem", "banh-kem-dau-tay"),
        ("Bánh kem dâu", "banh-kem-dau-tay"),
        ("dau tay", "banh-kem-dau-tay"),
        ("croiss", "croissant-bo-phap"),
        ("da lat", "banh-kem-dau-tay"),
    ])
    func searchFoldsAccentsAndMatchesPrefixes(query: String, expected: String) async throws {
        let fixture = try CatalogFixture()
        let found = try await fixture.list(ProductQuery(search: query))
        #expect(found.contains(expected), "\(query) → \(found)")
    }

    @Test func searchRanksNameMatchesFirstAndIgnoresSyntax() async throws {
        let fixture = try CatalogFixture()
        _ = try await fixture.catalog.createProduct(fixture.draft(name: "Hộp bánh đậu xanh", price: 90_000) { $0.description = "Quà biếu" })
        _ = try await fixture.catalog.createProduct(fixture.draft(name: "Trà chiều", price: 90_000) { $0.description = "Kèm bánh đậu xanh nhỏ" })
        let found = try await fixture.list(ProductQuery(search: "dau xanh"))
        #expect(found.first == "hop-banh-dau-xanh")
        #expect(found.contains("tra-chieu"))
        #expect(try await fixture.list(ProductQuery(search: "ĐẬU XANH")).first == "hop-banh-dau-xanh")
        for hostile in ["\"", "kem OR *", "NEAR(a b)", "-", "***", "name:kem"] {
            _ = try await fixture.catalog.listProducts(ProductQuery(search: hostile))
        }
        #expect(try await fixture.catalog.listProducts(ProductQuery(search: "zzzzqqq")).value.total == 0)
    }

    @Test func hiddenProductsAndCategoriesLeaveThePublicCatalogue() async throws {
        let fixture = try CatalogFixture()
        let product = try await fixture.catalog.product(idOrSlug: "croissant-bo-phap").value
        var hide = CatalogService.ProductDraft()
        hide.isActive = false
        _ = try await fixture.catalog.updateProduct(id: product.id, hide)
        #expect(!(try await fixture.list(ProductQuery(page: PageRequest(limit: 100)))).contains(product.slug))
        await #expect(throws: AppError.notFound("The product")) { try await fixture.catalog.product(idOrSlug: product.slug) }
        #expect(try await fixture.catalog.product(idOrSlug: product.slug, includeInactive: true).value.id == product.id)

        try await fixture.catalog.deleteProduct(id: product.id)
        await #expect(throws: AppError.self) { try await fixture.catalog.product(idOrSlug: product.id, includeInactive: true) }
        #expect(!(try await fixture.list(ProductQuery(page: PageRequest(limit: 100), includeInactive: true))).contains(product.slug))
    }
}
