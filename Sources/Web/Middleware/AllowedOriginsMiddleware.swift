import HTTPTypes
import Hummingbird

/// CORS for the configured origins only.
///
/// Hummingbird's `CORSMiddleware` takes its origin list as a compile-time variadic, so this wrapper
/// checks the request's `Origin` against the runtime list and lets `CORSMiddleware` write the headers
/// (echoing the origin) only for origins on it. Other origins get no CORS headers, so browsers refuse them.
public struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let cors: CORSMiddleware<Context>

    public init(origins: [String]) {
        self.origins = Set(origins)
        self.cors = CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: [
                .accept, .authorization, .contentType, .origin,
                .csrfToken, .idempotencyKey, .lastEventID,
            ],
            allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
            allowCredentials: true,
            exposedHeaders: ["X-Request-Id", "Retry-After", "ETag"],
            maxAge: .seconds(600)
        )
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
