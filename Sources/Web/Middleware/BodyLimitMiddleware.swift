import Hummingbird
import Storage

/// Caps the request body: a declared `Content-Length` over the limit is refused before reading,
/// and decoding a streamed body stops at the same limit (Hummingbird reads `maxUploadSize`).
public struct BodyLimitMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    /// The API's default: JSON bodies are small.
    public static var defaultLimit: Int { 1024 * 1024 }

    let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AppError(.payloadTooLarge, "The request body is \(declared) bytes; the limit is \(limit).")
        }
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}

/// What the shop's middleware needs to read and set on a context.
public protocol AppRequestContextProtocol: RequestContext {
    var maxUploadSize: Int { get set }
    var remoteAddress: String? { get }
    var identity: Identity? { get set }
}

extension AppRequestContext: AppRequestContextProtocol {}
