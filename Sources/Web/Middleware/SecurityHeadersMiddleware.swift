import HTTPTypes
import Hummingbird

/// Adds the browser security headers and the request id to every response, errors included.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let strictTransportSecurity: Bool

    /// - Parameter strictTransportSecurity: send HSTS (only when the server itself speaks TLS).
    public init(strictTransportSecurity: Bool) {
        self.strictTransportSecurity = strictTransportSecurity
    }

    static var contentSecurityPolicy: String {
        [
            "default-src 'self'", "img-src 'self' data:", "style-src 'self'", "script-src 'self'",
            "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'self'",
            "form-action 'self'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        response.headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=(), payment=()"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        if strictTransportSecurity {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        response.headers[.xRequestID] = context.id
        return response
    }
}
