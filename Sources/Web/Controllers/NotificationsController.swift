import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// `/api/v1/notifications`: the signed-in user's notifications, their unread count, and the live stream.
struct NotificationsController<Context: AppRequestContextProtocol> {
    let notifications: NotificationService
    let hub: any NotificationHub
    let jobs: JobQueue
    let stream: EventStreamResponder

    /// Mounted at `notifications`, signed in.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.get("unread-count", use: unreadCount)
        group.get("stream", use: live)
        group.post("read-all", use: readAll)
        group.post(":id/read", use: read)
        group.delete(":id", use: delete)
    }

    /// Mounted at `admin/notifications`: broadcasts and their progress.
    func addAdminRoutes(to group: RouterGroup<Context>) {
        group.post(use: broadcast)
        group.get(":broadcastId", use: broadcastProgress)
    }

    struct NotificationResponse: ResponseEncodable {
        let id: Int64
        let type: String
        let title: String
        let body: String
        let link: String?
        let data: [String: String]
        let read: Bool
        let createdAt: Date

        init(_ notification: UserNotification) {
            id = notification.id
            type = notification.type
            title = notification.title
            body = notification.body
            link = notification.link
            data = (try? JSONDecoder().decode([String: String].self, from: Data(notification.data.utf8))) ?? [:]
            read = notification.isRead
            createdAt = notification.createdAt
        }
    }

    struct CountResponse: ResponseEncodable {
        let count: Int
    }

    struct BroadcastRequest: Decodable {
        let title: String
        let body: String
        let link: String?
    }

    struct BroadcastResponse: ResponseEncodable {
        let broadcastId: String
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> PageResponse<NotificationResponse> {
        let page = try await notifications.list(
            userID: try context.requireIdentity().user.id,
            unreadOnly: try request.booleanQuery("unread") ?? false,
            page: try PageRequest(query: request)
        )
        return PageResponse(page, NotificationResponse.init)
    }

    @Sendable func unreadCount(_ request: Request, context: Context) async throws -> CountResponse {
        CountResponse(count: try await notifications.unreadCount(userID: try context.requireIdentity().user.id))
    }

    @Sendable func read(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await notifications.markRead(id: try Self.id(context), userID: try context.requireIdentity().user.id)
        return .noContent
    }

    @Sendable func readAll(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await notifications.markAllRead(userID: try context.requireIdentity().user.id)
        return .noContent
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await notifications.delete(id: try Self.id(context), userID: try context.requireIdentity().user.id)
        return .noContent
    }

    /// The live stream: from a cursor (`Last-Event-ID`, or `?after=` for a stream the page opened again itself),
    /// what was missed is replayed first (or one `resync` event when too much was missed); then an `unread`
    /// count whose `id:` is the newest notification it covers, so every client holds a cursor; then every new
    /// notification and count as it commits.
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let cursor = try Self.cursor(request)
        let slot = try stream.takeSlot(for: context.clientAddress)
        let userID = identity.user.id
        // Subscribe before reading the opening, so nothing committed in between is lost; duplicates are skipped.
        let events = hub.subscribe(userID: userID, sessionID: identity.sessionID)
        let snapshot = try await notifications.streamOpening(userID: userID, after: cursor)
        var opening: [ServerSentEvent] = []
        switch snapshot.missed {
        case .some(let missed): opening += missed.map(Self.event(for:))
        case .none: opening.append(ServerSentEvent(id: nil, event: "resync", data: "{}"))
        }
        opening.append(Self.event(unread: snapshot.unread, cursor: snapshot.newestID))
        // With a cursor, everything up to the snapshot's newest id was replayed (or resynced); without one, a
        // notification that committed while the stream opened is still shown once.
        let replayedUpTo = cursor == nil ? 0 : snapshot.newestID
        // The hub's stream is read by the response's one feeding task, encoded there (no forwarding task in between).
        return stream.response(on: context.channel, holding: slot, opening: opening.map { ByteBuffer(string: $0.encoded) }, live: events) { event in
            switch event {
            case .notification(let notification) where notification.id > replayedUpTo:
                ByteBuffer(string: Self.event(for: notification).encoded)
            case .notification:
                nil
            case .unreadCount(let count):
                ByteBuffer(string: Self.event(unread: count).encoded)
            }
        }
    }

    @Sendable func broadcast(_ request: Request, context: Context) async throws -> EditedResponse<BroadcastResponse> {
        let input = try await request.decode(as: BroadcastRequest.self, context: context)
        let job = try BroadcastJob.checked(title: input.title, body: input.body, link: input.link)
        try await jobs.enqueue(try job.request())
        return EditedResponse(status: .accepted, response: BroadcastResponse(broadcastId: job.broadcastID))
    }

    /// How far a broadcast has gone (its job's state, delivered so far, audience), for the console's progress bar.
    @Sendable func broadcastProgress(_ request: Request, context: Context) async throws -> BroadcastProgress {
        let id = try context.parameters.require("broadcastId")
        guard let job = try await jobs.job(kind: BroadcastJob.kind, idempotencyKey: id) else { throw AppError.notFound("The broadcast") }
        return try await notifications.broadcastProgress(of: job)
    }

    static func event(for notification: UserNotification) -> ServerSentEvent {
        ServerSentEvent(id: String(notification.id), event: "notification", json: NotificationResponse(notification))
    }

    static func event(unread count: Int, cursor: Int64? = nil) -> ServerSentEvent {
        ServerSentEvent(id: cursor.map(String.init), event: "unread", data: #"{"count":\#(count)}"#)
    }

    /// Where a stream resumes: the browser's own reconnect sends `Last-Event-ID` (it wins, being newer than the
    /// URL it reuses; one that is not a non-negative id is ignored); a stream the page opens again itself passes `?after=`
    /// (a non-negative id, else 400).
    static func cursor(_ request: Request) throws -> Int64? {
        if let header = request.headers[.lastEventID], let lastEventID = Int64(header), lastEventID >= 0 { return lastEventID }
        guard let raw = request.textQuery("after") else { return nil }
        guard let after = Int64(raw), after >= 0 else {
            throw AppError.validation("after must be a notification id.", fields: ["after": "must be a whole number, 0 or more"])
        }
        return after
    }

    static func id(_ context: Context) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw AppError.notFound("The notification") }
        return id
    }
}

extension BroadcastProgress: ResponseEncodable {}
