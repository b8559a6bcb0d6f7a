import Hummingbird
import ServiceLifecycle
import Storage
import Synchronization

/// Caps the request body: a declared `Content-Length` over the limit is refused before reading,
/// and collecting or decoding a streamed body stops at the same limit (Hummingbird reads `maxUploadSize`).
/// The body is collected here, before the route runs, and a body still arriving when the shop shuts down is abandoned
/// with a 503: a slow or stalled client must not hold graceful shutdown until the service group's budget runs out and
/// cancels every request in flight. The wait for a stalled body is ended from the connection's pipeline
/// (``AppRequestContextProtocol/bodyCutoff``).
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
        return try await Self.collected(request, upTo: defaultLimit, declaredLength: declared, cutoff: context.bodyCutoff)
    }

    /// What is left to do for a request once its head is checked.
    enum Admission {
        /// Nothing: no body, or an upload's (left to its route group).
        case ready
        /// Collect the body, declared `declaredLength` bytes long if the client said (``collected(_:upTo:declaredLength:cutoff:)``).
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

    /// The request with its body collected (at most `limit` bytes, else 413), or a 503 when the shutdown or the request's
    /// cancellation cut it short. `declaredLength` is the request's `declaredLength(_:)`; `cutoff` ends the wait for a body
    /// still arriving (the context's ``AppRequestContextProtocol/bodyCutoff``).
    static func collected(
        _ request: Request,
        upTo limit: Int,
        declaredLength: Int?,
        cutoff: @escaping @Sendable () -> Void
    ) async throws -> Request {
        guard hasBody(request, declaredLength: declaredLength) else { return request }
        let buffer = try await collectUnlessShutDown(request.body, upTo: limit, cutoff: cutoff)
        // Cut short: fewer bytes than the client declared (it went away).
        if let declaredLength, buffer.readableBytes < declaredLength { throw abandoned }
        var request = request
        request.body = .init(buffer: buffer)
        return request
    }

    /// `body` collected (at most `limit` bytes, else 413) in the request's own task; the shop's graceful shutdown or the
    /// request's cancellation pulls `cutoff`, which ends the wait for the rest, and the body is then abandoned (503)
    /// whatever arrived.
    ///
    /// Not in a task of its own: a detached task per body (the way before) cost a rush's sold-out decision about a tenth of
    /// its CPU — its creation, two trips through the thread pool and the wake-ups between (bench/PROFILES.md, tenth
    /// round).
    static func collectUnlessShutDown(
        _ body: RequestBody,
        upTo limit: Int,
        cutoff: @escaping @Sendable () -> Void
    ) async throws -> ByteBuffer {
        let cut = BodyCut(cutoff)
        do {
            let buffer = try await withTaskCancellationOrGracefulShutdownHandler {
                try await body.collect(upTo: limit)
            } onCancelOrGracefulShutdown: {
                cut.pull()
            }
            // Cut while collecting: a collection ended by the cut may look complete (a chunked body has no declared
            // length to compare with), so nothing collected then is handed on.
            guard !cut.isPulled else { throw abandoned }
            return buffer
        } catch let error where cut.isPulled || error is CancellationError {
            throw abandoned
        }
    }
}

/// One body's cutoff, pulled at most once (the shutdown and a cancellation may both ask), remembered for the collector.
private final class BodyCut: Sendable {
    private let cutoff: @Sendable () -> Void
    private let pulled = Atomic<Bool>(false)

    init(_ cutoff: @escaping @Sendable () -> Void) {
        self.cutoff = cutoff
    }

    var isPulled: Bool { pulled.load(ordering: .acquiring) }

    func pull() {
        guard !pulled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        cutoff()
    }
}
