import Foundation
import Testing

@testable import Storage

@Suite struct CatalogWriteTests {
    @Test func slugsFoldVietnameseAndStayUnique() async throws {
        #expect(Slug.make(from: "Bánh kem Đà Lạt — dâu tây!") == "banh-kem-da-lat-dau-tay")
        #expect(Slug.make(from: "  Phở   bò  ") == "pho-bo")
        let fixture = try CatalogFixture(seeded: false)
        let first = try await fixture.catalog.createProduct(fixture.draft(name: "Bánh đậu xanh", price: 50_000))
        let second = try await fixture.catalog.createProduct(fixture.draft(name: "Bánh Đậu Xanh", price: 60_000))
        #expect(first.slug == "banh-dau-xanh")
        #expect(second.slug == "banh-dau-xanh-2")
        let taken = await #expect(throws: AppError.self) {
            try await fixture.catalog.createProduct(fixture.draft(name: "X", price: 1) { $0.slug = "banh-dau-xanh" })
        }
        #expect(taken?.code == .conflict)
        let invalid = await #expect(throws: AppError.self) {
            try await fixture.catalog.createProduct(fixture.draft(name: "X", price: 1) { $0.slug = "Not A Slug" })
        }
        #expect(invalid?.fields["slug"] != nil)
    }

    @Test func invalidProductFieldsNameTheirField() async throws {
        let fixture = try CatalogFixture(seeded: false)
        let cases: [(CatalogService.ProductDraft, String)] = [
            (fixture.draft(name: "", price: 1), "name"),
            (fixture.draft(name: "A", price: -1), "price"),
            (fixture.draft(name: "A", price: 100) { $0.compareAtPrice = .some(50) }, "compareAtPrice"),
            (fixture.draft(name: "A", price: 1) { $0.stock = -3 }, "stock"),
            (fixture.draft(name: "A", price: 1) { $0.images = ["https://evil.example/x.png"] }, "images"),
            (fixture.draft(name: "A", price: 1) { $0.tags = Array(repeating: "x", count: 1) + (0..<25).map { "t\($0)" } }, "tags"),
            (fixture.draft(name: "A", price: 1) { $0.categoryId = .some("missing") }, "categoryId"),
            (fixture.draft(name: "A", price: 1) { $0.weightGrams = .some(0) }, "weightGrams"),
        ]
        for (draft, field) in cases {
            let error = await #expect(throws: AppError.self) { try await fixture.catalog.createProduct(draft) }
            #expect(
                error?.code == .validationFailed && error?.fields[field] != nil,
                "expected an error on \(field), got \(String(describing: error))"
            )
        }
        var missingPrice = CatalogService.ProductDraft()
        missingPrice.name = "A"
        await #expect(throws: AppError.validation("A product needs a price.", fields: ["price": "is required"])) {
            try await fixture.catalog.createProduct(missingPrice)
        }
    }

    @Test func patchChangesOnlyWhatItNamesAndCanClearFields() async throws {
        let fixture = try CatalogFixture()
        let before = try await fixture.catalog.product(idOrSlug: "banh-kem-dau-tay").value
        #expect(before.compareAtPrice != nil)
        var change = CatalogService.ProductDraft()
        change.compareAtPrice = .some(nil)
        change.stock = 3
        let after = try await fixture.catalog.updateProduct(id: before.id, change)
        #expect(after.compareAtPrice == nil && after.stock == 3)
        #expect(after.name == before.name && after.price == before.price && after.category == before.category)
        let renamed = try await fixture.catalog.updateProduct(
            id: before.id,
            {
                var d = CatalogService.ProductDraft(); d.name = "Bánh kem việt quất"; d.description = "Kem tươi và việt quất."; return d
            }()
        )
        #expect(try await fixture.list(ProductQuery(search: "viet quat")) == [renamed.slug])
        #expect(try await fixture.list(ProductQuery(search: "dau tay")).contains(renamed.slug) == false)
    }

    @Test func aProductKeepsADescriptionAndIngredientsInEachLanguageAndSearchFindsEitherDescription() async throws {
        let fixture = try CatalogFixture(seeded: false)
        let created = try await fixture.catalog.createProduct(
            fixture.draft(name: "Bánh gừng", price: 40_000) {
                $0.description = "Bánh quy gừng nướng giòn."
                $0.descriptionEn = "Crisp baked ginger biscuits."
                $0.ingredients = "Bột mì, gừng, mật mía"
                $0.ingredientsEn = "Flour, ginger, molasses"
            }
        )
        #expect(created.description == "Bánh quy gừng nướng giòn." && created.descriptionEn == "Crisp baked ginger biscuits.")
        #expect(created.ingredients == "Bột mì, gừng, mật mía" && created.ingredientsEn == "Flour, ginger, molasses")
        #expect(try await fixture.list(ProductQuery(search: "biscuits")) == ["banh-gung"])
        #expect(try await fixture.list(ProductQuery(search: "quy gung")) == ["banh-gung"])
        var english = CatalogService.ProductDraft()
        english.descriptionEn = "Thin ginger snaps."
        english.ingredientsEn = "Flour, ginger, cane sugar"
        let changed = try await fixture.catalog.updateProduct(id: created.id, english)
        #expect(changed.description == created.description && changed.descriptionEn == "Thin ginger snaps.")
        #expect(changed.ingredients == created.ingredients && changed.ingredientsEn == "Flour, ginger, cane sugar")
        #expect(try await fixture.catalog.product(idOrSlug: "banh-gung").value.ingredientsEn == "Flour, ginger, cane sugar")
        #expect(try await fixture.list(ProductQuery(search: "biscuits")).isEmpty)
        #expect(try await fixture.list(ProductQuery(search: "snaps")) == ["banh-gung"])
        english.descriptionEn = String(repeating: "a", count: 5001)
        let tooLong = await #expect(throws: AppError.self) { try await fixture.catalog.updateProduct(id: created.id, english) }
        #expect(tooLong?.fields["descriptionEn"] != nil)
        english.descriptionEn = nil
        english.ingredientsEn = String(repeating: "a", count: 5001)
        let tooLongIngredients = await #expect(throws: AppError.self) { try await fixture.catalog.updateProduct(id: created.id, english) }
        #expect(tooLongIngredients?.fields["ingredientsEn"] != nil)
    }

    @Test func aCategoryKeepsADescriptionInEachLanguage() async throws {
        let fixture = try CatalogFixture(seeded: false)
        let created = try await fixture.catalog.createCategory(
            .init(name: "Bánh mùa thu", description: "Bánh của mùa thu.", descriptionEn: "Autumn bakes.")
        )
        #expect(created.description == "Bánh của mùa thu." && created.descriptionEn == "Autumn bakes.")
        let changed = try await fixture.catalog.updateCategory(id: created.id, .init(descriptionEn: "Bakes for autumn."))
        #expect(changed.description == "Bánh của mùa thu." && changed.descriptionEn == "Bakes for autumn.")
        #expect(try await fixture.catalog.categories().value.first { $0.id == created.id }?.descriptionEn == "Bakes for autumn.")
        let tooLong = await #expect(throws: AppError.self) {
            try await fixture.catalog.createCategory(.init(name: "Dài", descriptionEn: String(repeating: "a", count: 5001)))
        }
        #expect(tooLong?.fields["descriptionEn"] != nil)
    }

    @Test func everyDemoProductAndCategoryIsDescribedInBothLanguages() async throws {
        let fixture = try CatalogFixture()
        let products = try await fixture.catalog.listProducts(ProductQuery(page: PageRequest(page: 1, limit: 100))).value.items
        #expect(products.count == DemoCatalog.products.count)
        for product in products {
            #expect(!product.description.isEmpty && !product.descriptionEn.isEmpty && product.description != product.descriptionEn, "\(product.slug)")
            #expect(!product.ingredients.isEmpty && !product.ingredientsEn.isEmpty && product.ingredients != product.ingredientsEn, "\(product.slug)")
        }
        let categories = try await fixture.catalog.categories().value
        #expect(categories.count == DemoCatalog.categories.count)
        for category in categories {
            let described = !category.description.isEmpty && !category.descriptionEn.isEmpty
            #expect(described && category.description != category.descriptionEn, "\(category.slug)")
        }
    }

    @Test func categoriesWithLiveProductsCannotBeDeleted() async throws {
        let fixture = try CatalogFixture()
        let cakes = try #require(try await fixture.catalog.categories().value.first { $0.slug == "banh-kem" })
        let error = await #expect(throws: AppError.self) { try await fixture.catalog.deleteCategory(id: cakes.id) }
        #expect(error?.code == .conflict)
        let empty = try await fixture.catalog.createCategory(.init(name: "Bánh mùa thu", sortOrder: 9))
        #expect(empty.slug == "banh-mua-thu" && empty.productCount == 0)
        try await fixture.catalog.deleteCategory(id: empty.id)
        await #expect(throws: AppError.notFound("The category")) { try await fixture.catalog.deleteCategory(id: empty.id) }
    }

    @Test func everyKindOfWriteMovesTheCatalogueVersion() async throws {
        let fixture = try CatalogFixture()
        let customer = try await fixture.customer()
        var version = try await fixture.catalog.version()
        func expectMoved(_ what: String) async throws {
            let now = try await fixture.catalog.version()
            #expect(now > version, "\(what) did not change the version")
            version = now
        }
        let category = try await fixture.catalog.createCategory(.init(name: "Mới"))
        try await expectMoved("create category")
        _ = try await fixture.catalog.updateCategory(id: category.id, .init(isActive: false))
        try await expectMoved("update category")
        let product = try await fixture.catalog.createProduct(fixture.draft(name: "Bánh mới", price: 10_000))
        try await expectMoved("create product")
        _ = try await fixture.catalog.updateProduct(
            id: product.id,
            {
                var d = CatalogService.ProductDraft(); d.stock = 5; return d
            }()
        )
        try await expectMoved("update product")
        try await fixture.deliver(product.id, to: customer)
        let review = try await fixture.catalog.addReview(by: customer, productIdOrSlug: product.id, rating: 4, comment: nil)
        try await expectMoved("add review")
        try await fixture.catalog.deleteReview(id: review.id, by: customer)
        try await expectMoved("delete review")
        _ = try await fixture.catalog.addImage(productID: product.id, data: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]))
        try await expectMoved("add image")
        try await fixture.catalog.deleteProduct(id: product.id)
        try await expectMoved("delete product")
        try await fixture.catalog.deleteCategory(id: category.id)
        try await expectMoved("delete category")
        _ = try fixture.database.seedDemoData(now: fixture.clock.now())
        #expect(try await fixture.catalog.version() == version)  // nothing new to seed: no write, no change
    }
}

@Suite struct ReviewTests {
    @Test func oneReviewPerUserAndProductWithRatingKeptInStep() async throws {
        let fixture = try CatalogFixture()
        let lan = try await fixture.customer()
        let minh = try await fixture.customer("minh@example.vn", name: "Minh")
        try await fixture.deliver("croissant-bo-phap", to: lan)
        try await fixture.deliver("croissant-bo-phap", to: minh)
        _ = try await fixture.catalog.addReview(by: lan, productIdOrSlug: "croissant-bo-phap", rating: 5, comment: "Giòn tan!")
        let second = try await fixture.catalog.addReview(by: minh, productIdOrSlug: "croissant-bo-phap", rating: 2, comment: nil)
        var product = try await fixture.catalog.product(idOrSlug: "croissant-bo-phap").value
        #expect(product.ratingCount == 2 && product.ratingAverage == 3.5)
        let again = await #expect(throws: AppError.self) {
            try await fixture.catalog.addReview(by: lan, productIdOrSlug: "croissant-bo-phap", rating: 1, comment: nil)
        }
        #expect(again?.code == .conflict)
        let forbidden = await #expect(throws: AppError.self) { try await fixture.catalog.deleteReview(id: second.id, by: lan) }
        #expect(forbidden?.code == .forbidden)
        try await fixture.catalog.deleteReview(id: second.id, by: try await fixture.admin())
        product = try await fixture.catalog.product(idOrSlug: "croissant-bo-phap").value
        #expect(product.ratingCount == 1 && product.ratingAverage == 5)
        let reviews = try await fixture.catalog.reviews(productIdOrSlug: product.id, page: PageRequest()).value
        #expect(reviews.items.map(\.userName) == ["Lan"] && reviews.total == 1)
    }

    @Test(arguments: [0, 6, -1])
    func ratingsOutsideOneToFiveAreRefused(rating: Int) async throws {
        let fixture = try CatalogFixture()
        let error = await #expect(throws: AppError.self) {
            try await fixture.catalog.addReview(by: try await fixture.customer(), productIdOrSlug: "croissant-bo-phap", rating: rating, comment: nil)
        }
        #expect(error?.fields["rating"] != nil)
    }
}

@Suite struct ProductImageTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46])
    static let webp = Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)

    @Test func picturesAreRecognisedByContentAndStoredOnceByHash() throws {
        let store = ProductImageStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("img-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let png = try store.save(Self.png)
        #expect(png.hasPrefix("/uploads/") && png.hasSuffix(".png"))
        #expect(try store.save(Self.png) == png)
        #expect(try store.save(Self.jpeg).hasSuffix(".jpg"))
        #expect(try store.save(Self.webp).hasSuffix(".webp"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory).count == 3)
    }

    @Test func nonPicturesAndOversizedFilesAreRefused() throws {
        let store = ProductImageStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("img-\(UUID().uuidString)").path)
        for fake in [Data("<svg onload=alert(1)>".utf8), Data("GIF89a....".utf8), Data(), Data("RIFF0000AVI ".utf8)] {
            let error = #expect(throws: AppError.self) { try store.save(fake) }
            #expect(error?.code == .unsupportedMediaType)
        }
        let big = Self.png + Data(count: ProductImageStore.maximumBytes)
        #expect(throws: AppError(.payloadTooLarge, "Pictures may be at most 5 MB.")) { try store.save(big) }
    }
}
