import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Cross-site request forgery defence by double submit: an unsafe request (anything but GET, HEAD,
/// OPTIONS) that carries a session cookie must send the `klelite_csrf` cookie's value in `X-CSRF-Token`.
/// A page on another site can make the browser send the cookies, but cannot read them to set the header.
///
/// Exempt: requests with `Authorization: Bearer` (no ambient credentials), requests without session
/// cookies, and the routes that only present credentials (register, login, password forgot and reset).
public struct CSRFMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { .csrfToken }
    static var exemptPaths: Set<String> {
        ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/password/forgot", "/api/v1/auth/password/reset"]
    }

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try Self.check(request)
        return try await next(request, context)
    }

    /// Throws 403 when `request` needs a CSRF token and does not carry the right one.
    static func check(_ request: Request) throws {
        guard needsToken(request) else { return }
        let cookies = request.cookies
        guard let expected = cookies[SessionCookies.csrf]?.value, !expected.isEmpty,
            let sent = request.headers[headerName],
            SecureToken.constantTimeEquals(expected, sent)
        else {
            throw AppError(.forbidden, "The request is missing its CSRF token. Reload the page and try again.")
        }
    }

    static func needsToken(_ request: Request) -> Bool {
        switch request.method {
        case .get, .head, .options: return false
        default: break
        }
        if AuthenticationMiddleware<AppRequestContext>.sendsBearerToken(request) { return false }
        if exemptPaths.contains(request.uri.path) { return false }
        let cookies = request.cookies
        return cookies[SessionCookies.access] != nil || cookies[SessionCookies.refresh] != nil
    }
}
