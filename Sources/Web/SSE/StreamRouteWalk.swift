import Hummingbird

/// The shop's responder: the router, except that a live-stream request walks the whole router — its middleware, the
/// route and the route's reads — in a child task, so that the stream does not keep that walk's memory.
///
/// A connection is one task, and a task keeps every async-stack slab it took until it ends: the Swift runtime reuses
/// its slabs but gives none back. A live stream holds its connection open for as long as it lasts, so the slabs of
/// the deepest stack the connection ever reached stay with it, each frame over ~500 bytes in a 1 KB slab of its own.
/// Walked in a task-group child (allocated apart, and freed with all its slabs once the route has answered), none of
/// the router's frames stay: the connection's task keeps only the shallower stack of writing the stream. An `async let`
/// child would not do: the runtime allocates it, with its first frame, in the parent's slabs. Other requests go
/// straight to the router (a child task per request would cost them a task and a hop).
public struct StreamRouteWalk: HTTPResponder, HTTPResponderBuilder {
    public typealias Context = AppRequestContext

    let routes: RouterResponder<AppRequestContext>

    public init(_ router: Router<AppRequestContext>) {
        routes = router.buildResponder()
    }

    public func buildResponder() -> Self { self }

    @Sendable public func respond(to request: Request, context: Context) async throws -> Response {
        guard Self.opensStream(request) else { return try await routes.respond(to: request, context: context) }
        return try await Self.respondInChildTask { [routes] in try await routes.respond(to: request, context: context) }
    }

    /// The last path segment of every live stream of the API (`/flash-sales/:id/stream`, `/notifications/stream`,
    /// `/admin/stats/stream`).
    private static let suffix = "/stream".utf8

    /// Whether `request` asks for a live stream: its path (before any query, and without trailing slashes, which the
    /// router ignores as it ignores every empty segment) ends in `/stream`.
    static func opensStream(_ request: Request) -> Bool {
        guard let target = request.head.path else { return false }
        let slash = UInt8(ascii: "/")
        var path = target.utf8.prefix { $0 != UInt8(ascii: "?") }
        while path.last == slash { path = path.dropLast() }
        return path.count >= suffix.count && path.suffix(suffix.count).elementsEqual(suffix)
    }

    /// `walk()` run in a task-group child, whose task and async stack are freed when it returns. Structured: this task
    /// only waits for it, and cancelling this task cancels it.
    static func respondInChildTask(_ walk: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask(operation: walk)
            guard let response = try await group.next() else { throw CancellationError() }
            return response
        }
    }
}
