import Hummingbird

/// The inner layers of the shop's router, in one frame and in this order: every error becomes the envelope
/// (``ErrorMiddleware``), the body is capped and collected (``BodyLimitMiddleware``), unsafe requests with session
/// cookies need their CSRF token (``CSRFMiddleware``), and a path no route answers (404) is looked up among the static
/// files — exactly as if those were four router middleware nested in that order.
///
/// One concrete middleware rather than five generic ones (see ``RequestEdgeMiddleware``); the file lookups run only
/// after a 404, never on a request a route answered.
struct RequestGateMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Serves a static file for a request the routes answered with `notFound`, else rethrows it (what
    /// `FileMiddleware`s do when their `next` throws that error).
    typealias StaticFiles = @Sendable (_ request: Request, _ context: Context, _ notFound: any Error) async throws -> Response

    let bodyLimit: BodyLimitMiddleware<AppRequestContext>
    let staticFiles: StaticFiles?

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await handle(request, context: context, requestID: context.id, next: next)
    }

    /// The same, with the request id (`context.id`) already formatted by the caller for its `X-Request-Id` header: an
    /// error envelope quotes that string rather than formatting the id again.
    func handle(
        _ request: Request,
        context: Context,
        requestID: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            var inner = context
            var request = request
            // A request without a body (every GET) is admitted without an await.
            if case .collect(let declared) = try bodyLimit.admit(request, context: &inner) {
                request = try await BodyLimitMiddleware<Context>.collected(
                    request,
                    upTo: bodyLimit.defaultLimit,
                    declaredLength: declared,
                    cutoff: inner.bodyCutoff
                )
            }
            try CSRFMiddleware<Context>.check(request)
            do {
                return try await next(request, inner)
            } catch {
                guard let staticFiles, let notFound = error as? any HTTPResponseError, notFound.status == .notFound else { throw error }
                return try await staticFiles(request, inner, error)
            }
        } catch {
            return ErrorMiddleware<Context>.response(for: error, context: context, requestID: requestID)
        }
    }

    /// The static files of `middlewares`, outermost first: each looks for the file once the ones inside it found none.
    /// A ranged request gets the whole file (a server may ignore `Range`; these files are small and never fetched in
    /// parts): Hummingbird's `FileMiddleware` answers a range that starts past the end of a file with a negative
    /// `Content-Length` (on HEAD, and on GET from disk), and reads `bytes=-N` as the first N+1 bytes.
    static func staticFiles<Outer: RouterMiddleware, Inner: RouterMiddleware>(
        _ outer: Outer,
        _ inner: Inner
    ) -> StaticFiles where Outer.Context == Context, Inner.Context == Context {
        { request, context, notFound in
            try await outer.handle(wholeFile(request), context: context) { request, context in
                try await inner.handle(request, context: context) { _, _ in throw notFound }
            }
        }
    }

    /// The request without its `Range` header.
    static func wholeFile(_ request: Request) -> Request {
        guard request.headers[.range] != nil else { return request }
        var head = request.head
        head.headerFields[.range] = nil
        return Request(head: head, body: request.body)
    }
}
