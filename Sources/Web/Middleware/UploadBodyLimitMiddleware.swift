import Hummingbird
import Storage

/// Raises the body limit of the route group it is mounted on (picture uploads) and collects the body there: mounted
/// after authentication, so only a signed-in admin's request may hold more than ``BodyLimitMiddleware/defaultLimit``
/// bytes in memory. A body still arriving when the shop shuts down is abandoned with a 503, as in ``BodyLimitMiddleware``.
public struct UploadBodyLimitMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    let limit: Int

    public init(limit: Int = ProductImageStore.maximumBytes) {
        self.limit = limit
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let declared = BodyLimitMiddleware<Context>.declaredLength(request)
        if let declared, declared > limit {
            throw AppError(.payloadTooLarge, "The request body is \(declared) bytes; the limit is \(limit).")
        }
        var context = context
        context.maxUploadSize = limit
        let collected = try await BodyLimitMiddleware<Context>.collected(request, upTo: limit, declaredLength: declared, cutoff: context.bodyCutoff)
        return try await next(collected, context)
    }
}
