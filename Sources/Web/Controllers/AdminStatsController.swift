import Foundation
import Hummingbird
import Storage

/// `GET /api/v1/admin/stats`: the figures of the admin dashboard, once or as a live stream.
struct AdminStatsController<Context: AppRequestContextProtocol> {
    let stats: AdminStatsService
    /// Re-checks the stream's session before each send.
    let accounts: AccountService
    /// Ends the stream with its session (sign-out, sign-out everywhere, disabling, demotion), as for notifications.
    let hub: any NotificationHub
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
    ///
    /// The stream lasts only as long as its admin: it ends when the hub disconnects its session or user (as the
    /// notification stream does), and before each send the session is checked again (from memory), so a revocation
    /// the hub did not carry — another instance, the CLI — ends it too instead of sending the figures.
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let slot = try stream.takeSlot(for: context.clientAddress)
        let (stats, accounts) = (self.stats, self.accounts)
        let (userID, sessionID) = (identity.user.id, identity.sessionID)
        let session = hub.subscribe(userID: userID, sessionID: sessionID)
        let changes = stats.changes()
        let (events, continuation) = AsyncStream<ServerSentEvent>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Whichever ends first ends the stream: the session (through the hub), or the figures' reader.
        let pump = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in session {}  // the admin's notifications are not this stream's business
                }
                group.addTask {
                    for await _ in changes {
                        guard let figures = try? await stats.stats() else { continue }
                        let current = try? await accounts.identity(userID: userID, sessionID: sessionID)
                        guard current?.user.role == .admin else { return }
                        continuation.yield(ServerSentEvent(id: nil, event: "stats", json: figures))
                    }
                }
                await group.next()
                group.cancelAll()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in pump.cancel() }
        let opening: ServerSentEvent
        do {
            opening = ServerSentEvent(id: nil, event: "stats", json: try await stats.stats())
        } catch {
            continuation.finish()  // lets go of the hub and the changes
            throw error
        }
        return stream.response(on: context.channel, holding: slot, opening: [opening], live: events)
    }
}
