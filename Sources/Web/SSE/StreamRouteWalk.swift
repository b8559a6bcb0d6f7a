import Hummingbird

/// Walks the router for a live-stream request in a child task, so that the stream does not keep that walk's memory.
///
/// A connection is one task, and a task keeps every async-stack slab it took until it ends: the Swift runtime reuses
/// its slabs but gives none back. A live stream holds its connection open for as long as it lasts, so the slabs of
/// the deepest stack the connection ever reached stay with it — the middleware chain, the route and the route's reads,
/// each frame over ~500 bytes in a 1 KB slab of its own. Walked in a child task, those slabs are freed once the route
/// has answered; the connection's task keeps only the shallower stack of writing the stream. Other requests are
/// walked in the connection's task as before (a child task per request would cost them a task and a hop).
enum StreamRouteWalk {
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

    /// `next(request, context)` run in a child task, whose async stack is freed when it returns.
    static func respondInChildTask<Context: RequestContext>(
        to request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The child is the only caller of `next`, and this task only waits for it (structured: it cannot outlive
            // the call), so no two tasks ever use the chain at once.
            nonisolated(unsafe) let walk = next
            async let response = walk(request, context)
            return try await response
        }
    }
}
