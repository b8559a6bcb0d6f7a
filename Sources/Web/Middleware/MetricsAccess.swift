import Hummingbird
import Storage

/// Who may read `/metrics`: anyone when the server listens on loopback only; otherwise a caller with
/// `Authorization: Bearer <METRICS_TOKEN>` (a Prometheus scraper) or a signed-in admin.
public struct MetricsAccess<Context: AppRequestContextProtocol>: RouterMiddleware {
    let open: Bool
    let token: String?
    let authentication: AuthenticationMiddleware<Context>

    public init(open: Bool, token: String?, authentication: AuthenticationMiddleware<Context>) {
        self.open = open
        self.token = token
        self.authentication = authentication
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if open { return try await next(request, context) }
        if let token, let bearer = AuthenticationMiddleware<Context>.bearerToken(request), SecureToken.constantTimeEquals(token, bearer) {
            return try await next(request, context)
        }
        return try await authentication.handle(request, context: context) { request, context in
            try await RequireRoleMiddleware<Context>(.admin).handle(request, context: context, next: next)
        }
    }
}
