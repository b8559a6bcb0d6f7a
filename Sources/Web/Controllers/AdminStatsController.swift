import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/admin/stats`: the figures of the admin dashboard, once or as a live stream.
struct AdminStatsController<Context: AppRequestContextProtocol> {
    let stats: AdminStatsService
    let stream: EventStreamResponder

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: show)
        group.get("stream", use: live)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try JSONCoding.response(try await stats.stats())
    }

    /// A `stats` event with the figures at once, then again after each committed change to orders, products,
    /// sales or jobs (changes that pile up while the figures are being read are sent as one event).
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        let slot = try stream.takeSlot(for: context.clientAddress)
        let stats = self.stats
        let changes = stats.changes()
        let opening = ServerSentEvent(id: nil, event: "stats", json: try await stats.stats())
        let (events, continuation) = AsyncStream<ServerSentEvent>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let reader = Task {
            for await _ in changes {
                guard let figures = try? await stats.stats() else { continue }
                continuation.yield(ServerSentEvent(id: nil, event: "stats", json: figures))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream.response(to: request, holding: slot, opening: [opening], live: events)
    }
}
