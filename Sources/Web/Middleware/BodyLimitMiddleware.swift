import Hummingbird
import ServiceLifecycle
import Storage

/// Caps the request body: a declared `Content-Length` over the limit is refused before reading,
/// and collecting or decoding a streamed body stops at the same limit (Hummingbird reads `maxUploadSize`).
/// Upload routes (`POST …/images`) get their own, larger limit. The body is collected here, before the route runs, and
/// a body still arriving when the shop shuts down is abandoned with a 503: a slow or stalled client must not hold
/// graceful shutdown until the service group's budget runs out and cancels every request in flight.
public struct BodyLimitMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    /// The API's default: JSON bodies are small.
    public static var defaultLimit: Int { 1024 * 1024 }

    let defaultLimit: Int
    let uploadLimit: Int

    public init(limit: Int, uploadLimit: Int = ProductImageStore.maximumBytes) {
        self.defaultLimit = limit
        self.uploadLimit = uploadLimit
    }

    /// Picture uploads: `POST /api/v1/products/:id/images`.
    static func isUpload(_ request: Request) -> Bool {
        request.method == .post && request.uri.path.hasPrefix("/api/v1/products/") && request.uri.path.hasSuffix("/images")
    }

    static var abandoned: AppError { AppError(.unavailable, "The shop is restarting; please send that again in a moment.") }

    static func hasBody(_ request: Request) -> Bool {
        request.headers[.transferEncoding] != nil || (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let limit = Self.isUpload(request) ? uploadLimit : defaultLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AppError(.payloadTooLarge, "The request body is \(declared) bytes; the limit is \(limit).")
        }
        var context = context
        context.maxUploadSize = limit
        guard Self.hasBody(request) else { return try await next(request, context) }
        let body = request.body
        let buffer: ByteBuffer
        do {
            buffer = try await cancelWhenGracefulShutdown { try await body.collect(upTo: limit) }
        } catch is CancellationError {
            throw Self.abandoned
        }
        // Cut short by the shutdown: fewer bytes than the client declared.
        if let declared = request.headers[.contentLength].flatMap(Int.init), buffer.readableBytes < declared { throw Self.abandoned }
        var request = request
        request.body = .init(buffer: buffer)
        return try await next(request, context)
    }
}
