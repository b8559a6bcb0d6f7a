import Hummingbird
import ServiceLifecycle
import Storage

/// Caps the request body: a declared `Content-Length` over the limit is refused before reading,
/// and collecting or decoding a streamed body stops at the same limit (Hummingbird reads `maxUploadSize`).
/// The body is collected here, before the route runs, and a body still arriving when the shop shuts down is abandoned
/// with a 503: a slow or stalled client must not hold graceful shutdown until the service group's budget runs out and
/// cancels every request in flight.
///
/// This runs before anyone is authenticated, so it never holds more than the default limit. Upload routes
/// (`POST …/images`) are left unread here (only a declared length over `uploadLimit` is refused at once): their
/// route group raises the limit and collects the body after authentication (``UploadBodyLimitMiddleware``).
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
        guard request.method == .post else { return false }
        // A target in origin form (`/…`) begins with its path, so its prefix answers most requests without `uri.path`,
        // which makes a new string on every read; an absolute-form target (`http://host/…`) is left to `uri.path`.
        if let target = request.head.path, target.hasPrefix("/"), !target.hasPrefix(uploadPrefix) { return false }
        let path = request.uri.path
        return path.hasPrefix(uploadPrefix) && path.hasSuffix("/images")
    }

    private static var uploadPrefix: String { "/api/v1/products/" }

    static var abandoned: AppError { AppError(.unavailable, "The shop is restarting; please send that again in a moment.") }

    /// The `Content-Length` the client declared, if it is a number.
    static func declaredLength(_ request: Request) -> Int? {
        request.headers.value(of: .contentLength).flatMap(Int.init)
    }

    static func hasBody(_ request: Request, declaredLength: Int?) -> Bool {
        (declaredLength ?? 0) > 0 || request.headers.contains(.transferEncoding)
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        return try await next(try await admitted(request, context: &context), context)
    }

    /// `request` with its body collected within the limit (an upload's body is left unread), and the context's
    /// `maxUploadSize` set; a 413 when the declared or collected body is over the limit.
    func admitted(_ request: Request, context: inout Context) async throws -> Request {
        guard case .collect(let declared) = try admit(request, context: &context) else { return request }
        return try await Self.collected(request, upTo: defaultLimit, declaredLength: declared)
    }

    /// What is left to do for a request once its head is checked.
    enum Admission {
        /// Nothing: no body, or an upload's (left to its route group).
        case ready
        /// Collect the body, declared `declaredLength` bytes long if the client said (``collected(_:upTo:declaredLength:)``).
        case collect(declaredLength: Int?)
    }

    /// The part of ``admitted(_:context:)`` that waits for nothing: a 413 when the declared length is over the limit, the
    /// context's `maxUploadSize` set, and whether a body is to be collected. Most requests (every GET) have none, and
    /// answering them here spares them an async call.
    func admit(_ request: Request, context: inout Context) throws -> Admission {
        let upload = Self.isUpload(request)
        let refusedAbove = upload ? uploadLimit : defaultLimit
        // The header is read once here and handed on: each lookup scans every field and joins repeated ones.
        let declared = Self.declaredLength(request)
        if let declared, declared > refusedAbove {
            throw AppError(.payloadTooLarge, "The request body is \(declared) bytes; the limit is \(refusedAbove).")
        }
        context.maxUploadSize = defaultLimit
        if upload || !Self.hasBody(request, declaredLength: declared) { return .ready }
        return .collect(declaredLength: declared)
    }

    /// The request with its body collected (at most `limit` bytes, else 413), or a 503 when the shutdown cut it short.
    /// `declaredLength` is the request's `declaredLength(_:)`.
    static func collected(_ request: Request, upTo limit: Int, declaredLength: Int?) async throws -> Request {
        guard hasBody(request, declaredLength: declaredLength) else { return request }
        let buffer = try await collectUnlessShutDown(request.body, upTo: limit)
        // Cut short by the shutdown: fewer bytes than the client declared.
        if let declaredLength, buffer.readableBytes < declaredLength { throw abandoned }
        var request = request
        request.body = .init(buffer: buffer)
        return request
    }

    /// `body` collected (at most `limit` bytes, else 413) in a task of its own, which the shop's graceful shutdown and
    /// the request's own cancellation cancel (then a 503). One task per body: ServiceLifecycle's
    /// `cancelWhenGracefulShutdown` runs the same in a task group of two tasks and, cancelling the one that waits for
    /// the shutdown, starts a third — three tasks scheduled per request body (bench/profiles/reserve.md, fifth round).
    /// Detached: collecting needs none of the request's task-local values, and a child `Task {}` copies every one of them
    /// (a tree and an entry per value; bench/profiles/reserve.md, sixth round, counts what a decision allocates).
    static func collectUnlessShutDown(_ body: RequestBody, upTo limit: Int) async throws -> ByteBuffer {
        let collecting = Task.detached {
            let buffer = try await body.collect(upTo: limit)
            // A cancel ends collection with `CancellationError`, or early without an error (a body whose producer had
            // already finished): a chunked body has no declared length to compare with, so a cancelled collection is
            // never taken as complete.
            try Task.checkCancellation()
            return buffer
        }
        do {
            return try await withTaskCancellationOrGracefulShutdownHandler {
                try await collecting.value
            } onCancelOrGracefulShutdown: {
                collecting.cancel()
            }
        } catch is CancellationError {
            throw abandoned
        }
    }
}
