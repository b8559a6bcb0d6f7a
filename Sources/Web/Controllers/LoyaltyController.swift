import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/loyalty` (balance, tier, progress, history) and the admin's adjustment.
struct LoyaltyController<Context: AppRequestContextProtocol> {
    let loyalty: LoyaltyService

    func addRoutes(to signedIn: RouterGroup<Context>, admin: RouterGroup<Context>) {
        signedIn.get("loyalty", use: summary)
        admin.post("admin/loyalty/:userId/adjust", use: adjust)
    }

    struct AdjustRequest: Decodable {
        let points: Int
        let reason: String
    }

    @Sendable func summary(_ request: Request, context: Context) async throws -> LoyaltySummary {
        try await loyalty.summary(userID: try context.requireIdentity().user.id)
    }

    @Sendable func adjust(_ request: Request, context: Context) async throws -> LoyaltySummary {
        let input = try await request.decode(as: AdjustRequest.self, context: context)
        return try await loyalty.adjust(userID: try context.parameters.require("userId"), points: input.points, reason: input.reason)
    }
}

extension LoyaltySummary: ResponseEncodable {}
