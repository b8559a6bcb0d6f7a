import Hummingbird
import Storage

/// Finds out who is calling: an `Authorization: Bearer` access token (API clients) or the
/// `klelite_access` cookie (browsers). A valid token whose session is still open and whose user is not
/// disabled sets `context.identity`; otherwise the request goes on anonymous, and routes that need a
/// user answer 401. A Bearer token that is present but not valid is refused at once, except on the routes
/// that renew or end a session (`/auth/refresh`, `/auth/logout`): an expired token is why a client calls them.
public struct AuthenticationMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    let accounts: AccountService
    let tokens: AccessTokens
    static var sessionRenewalPaths: Set<String> { ["/api/v1/auth/refresh", "/api/v1/auth/logout"] }

    public init(accounts: AccountService, tokens: AccessTokens) {
        self.accounts = accounts
        self.tokens = tokens
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let bearer = Self.bearerToken(request) {
            let identity = try await identity(for: bearer)
            if identity == nil, !Self.sessionRenewalPaths.contains(request.uri.path) {
                throw AppError(.unauthorized, "The access token is invalid or has expired.")
            }
            context.identity = identity
        } else if let cookie = request.cookies[SessionCookies.access]?.value, !cookie.isEmpty {
            context.identity = try await identity(for: cookie)
        }
        return try await next(request, context)
    }

    private func identity(for token: String) async throws -> Identity? {
        guard let claims = await tokens.verify(token) else { return nil }
        return try await accounts.identity(userID: claims.sub.value, sessionID: claims.sid)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// Lets only signed-in users through, or only admins: 401 when anonymous, 403 for the wrong role.
public struct RequireRoleMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    /// nil: any signed-in user.
    let role: UserRole?

    public init(_ role: UserRole? = nil) {
        self.role = role
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let identity = context.identity else {
            throw AppError(.unauthorized, "Sign in to continue.")
        }
        if let role, identity.user.role != role {
            throw AppError(.forbidden, "This needs an administrator account.")
        }
        return try await next(request, context)
    }
}
