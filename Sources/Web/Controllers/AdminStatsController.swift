import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/admin/stats`: the figures of the admin dashboard.
struct AdminStatsController<Context: AppRequestContextProtocol> {
    let stats: AdminStatsService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: show)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try JSONCoding.response(try await stats.stats())
    }
}
