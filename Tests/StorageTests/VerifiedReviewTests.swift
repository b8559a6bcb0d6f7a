import Foundation
import Testing

@testable import Storage

/// Reviews come from customers who received the product.
@Suite struct VerifiedReviewTests {
    @Test func onlyACustomerWithADeliveredOrderOfTheProductMayReviewIt() async throws {
        let fixture = try CatalogFixture()
        let lan = try await fixture.customer()
        func review() async throws -> Review {
            try await fixture.catalog.addReview(by: lan, productIdOrSlug: "croissant-bo-phap", rating: 5, comment: "Giòn")
        }
        let never = await #expect(throws: AppError.self) { try await review() }
        #expect(never?.code == .forbidden)

        try await fixture.deliver("banh-kem-dau-tay", to: lan)  // another product
        try await fixture.deliver("croissant-bo-phap", to: lan, status: "shipping")  // not received yet
        let notYet = await #expect(throws: AppError.self) { try await review() }
        #expect(notYet?.code == .forbidden)
        #expect(try await fixture.catalog.product(idOrSlug: "croissant-bo-phap").value.ratingCount == 0)

        try await fixture.deliver("croissant-bo-phap", to: lan)
        #expect(try await review().rating == 5)
        #expect(try await fixture.catalog.product(idOrSlug: "croissant-bo-phap").value.ratingCount == 1)
    }
}
