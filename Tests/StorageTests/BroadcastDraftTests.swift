import Testing

@testable import Storage

/// The broadcast's rules live in Storage, where the job is made, not in the controller.
@Suite struct BroadcastDraftTests {
    @Test func aBroadcastLinksOnlyInsideTheShopAndNeedsABody() throws {
        #expect(throws: AppError.self) { try BroadcastJob.checked(title: "Bánh mới", body: "Thơm", link: "https://example.com/") }
        #expect(throws: AppError.self) { try BroadcastJob.checked(title: "Bánh mới", body: "", link: nil) }
        let job = try BroadcastJob.checked(title: "Bánh mới", body: "Thơm", link: "/products/banh-gung")
        #expect(job.draft.type == "broadcast" && job.draft.link == "/products/banh-gung" && job.draft.body == "Thơm")
    }
}
