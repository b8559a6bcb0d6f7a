import HTTPTypes
import Hummingbird

/// Adds the browser security headers and the request id to every response, errors included.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let strictTransportSecurity: Bool

    /// - Parameter strictTransportSecurity: send HSTS (only when the server itself speaks TLS).
    public init(strictTransportSecurity: Bool) {
        self.strictTransportSecurity = strictTransportSecurity
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        addHeaders(to: &response, requestID: context.id)
        return response
    }

    /// Appends the security headers and the request id to `response`.
    func addHeaders(to response: inout Response, requestID: String) {
        // A route never sets these, so they are appended rather than looked up and replaced one by one; room for all of
        // them at once (a route's fields are often shared, such as a cached answer's, so the first append copies them).
        response.headers.reserveCapacity(response.headers.count + SecurityHeaders.fixed.count + 3)
        response.headers.append(contentsOf: SecurityHeaders.fixed)
        if !response.headers.contains(.contentSecurityPolicy) {
            response.headers.append(SecurityHeaders.contentSecurityPolicy)
        }
        if strictTransportSecurity {
            response.headers.append(SecurityHeaders.strictTransportSecurity)
        }
        response.headers.append(HTTPField(name: .xRequestID, value: requestID))
    }
}

/// The security headers, built once rather than on every response.
enum SecurityHeaders {
    static let contentSecurityPolicyValue = [
        "default-src 'self'", "img-src 'self' data:", "style-src 'self'", "script-src 'self'",
        "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'self'",
        "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// The headers every response gets, built once rather than per request.
    static let fixed: [HTTPField] = [
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: .xFrameOptions, value: "DENY"),
        HTTPField(name: .referrerPolicy, value: "strict-origin-when-cross-origin"),
        HTTPField(name: .crossOriginOpenerPolicy, value: "same-origin"),
        HTTPField(name: .permissionsPolicy, value: "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    static let strictTransportSecurity = HTTPField(name: .strictTransportSecurity, value: "max-age=31536000; includeSubDomains")
    static let contentSecurityPolicy = HTTPField(name: .contentSecurityPolicy, value: contentSecurityPolicyValue)
}
