import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/loyalty` (balance, tier, progress, history) and the admin's adjustment.
struct LoyaltyController<Context: AppRequestContextProtocol> {
    let loyalty: LoyaltyService

    func addRoutes(to signedIn: RouterGroup<Context>, admin: RouterGroup<Context>) {
        signedIn.get("loyalty", use: summary)
        admin.get("admin/loyalty/:userId", use: userSummary)
        admin.post("admin/loyalty/:userId/adjust", use: adjust)
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
