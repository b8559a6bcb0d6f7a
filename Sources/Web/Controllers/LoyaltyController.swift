import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/loyalty` (balance, tier, progress, history) and the admin's adjustment.
struct LoyaltyController<Context: AppRequestContextProtocol> {
    let loyalty: LoyaltyService

    /// Mounted at `loyalty`, signed in.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.get(use: summary)
    }

    /// Mounted at `admin/loyalty`.
    func addAdminRoutes(to group: RouterGroup<Context>) {
        group.get(":userId", use: userSummary)
        group.post(":userId/adjust", use: adjust)
    }

    struct AdjustRequest: Decodable {
        let points: Int
        let reason: String
    }

    @Sendable func summary(_ request: Request, context: Context) async throws -> LoyaltySummary {
        try await loyalty.summary(userID: try context.requireIdentity().user.id)
    }

    /// Any user's balance, tier and history, for the admin console.
    @Sendable func userSummary(_ request: Request, context: Context) async throws -> LoyaltySummary {
        try await loyalty.summary(ofExistingUser: try context.parameters.require("userId"))
    }

    @Sendable func adjust(_ request: Request, context: Context) async throws -> LoyaltySummary {
        let input = try await request.decode(as: AdjustRequest.self, context: context)
        return try await loyalty.adjust(userID: try context.parameters.require("userId"), points: input.points, reason: input.reason)
    }
}

extension LoyaltySummary: ResponseEncodable {}
