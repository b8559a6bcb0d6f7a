import Hummingbird
import Storage

/// Caps the request body: a declared `Content-Length` over the limit is refused before reading,
/// and collecting or decoding a streamed body stops at the same limit (Hummingbird reads `maxUploadSize`).
/// Upload routes (`POST …/images`) get their own, larger limit.
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
        return try await next(request, context)
    }
}
