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
    /// When set, only the callers it admits get through (``requiring(_:)``).
    let requirement: RequireRoleMiddleware<Context>?
    static var sessionRenewalPaths: Set<String> { ["/api/v1/auth/refresh", "/api/v1/auth/logout"] }

    public init(accounts: AccountService, tokens: AccessTokens) {
        self.init(accounts: accounts, tokens: tokens, requirement: nil)
    }

    private init(accounts: AccountService, tokens: AccessTokens, requirement: RequireRoleMiddleware<Context>?) {
        self.accounts = accounts
        self.tokens = tokens
        self.requirement = requirement
    }

    /// This middleware followed by `RequireRoleMiddleware(role)`, in one layer: a route group behind both walks one
    /// generic middleware per request instead of two.
    public func requiring(_ role: UserRole? = nil) -> Self {
        Self(accounts: accounts, tokens: tokens, requirement: RequireRoleMiddleware(role))
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let identity: Identity?
        if let bearer = Self.bearerToken(inHeaderOf: request) {
            identity = try await self.identity(for: bearer)
            if identity == nil, !Self.sessionRenewalPaths.contains(request.uri.path) {
                throw AppError(.unauthorized, "The access token is invalid or has expired.")
            }
        } else if let cookie = request.cookies[SessionCookies.access]?.value, !cookie.isEmpty {
            identity = try await self.identity(for: Substring(cookie))
        } else {
            // Anonymous: the context goes on as it came, not copied.
            try requirement?.check(context)
            return try await next(request, context)
        }
        var context = context
        context.identity = identity
        try requirement?.check(context)
        return try await next(request, context)
    }

    /// The token is a slice of its header (or cookie): a token verified before is looked up without a copy.
    private func identity(for token: Substring) async throws -> Identity? {
        guard let claims = await tokens.verify(token) else { return nil }
        return try await accounts.identity(userID: claims.sub.value, sessionID: claims.sid)
    }

    /// The token of an `Authorization: Bearer …` header, blanks around it dropped.
    static func bearerToken(_ request: Request) -> String? {
        bearerToken(inHeaderOf: request).map(String.init)
    }

    /// Whether `request` sends an `Authorization: Bearer …` header (``bearerToken(_:)`` is not nil), read without
    /// copying the token out: CSRF asks this of every unsafe request before authentication reads the token itself.
    static func sendsBearerToken(_ request: Request) -> Bool {
        bearerToken(inHeaderOf: request) != nil
    }

    /// The token inside the request's Bearer header, as a slice of it (empty when only blanks follow the scheme).
    /// Plain Swift on the UTF-8 view: Foundation's `trimmingCharacters` and `lowercased()` cost a bridge to NSString.
    private static func bearerToken(inHeaderOf request: Request) -> Substring? {
        guard let header = request.headers.value(of: .authorization) else { return nil }
        let bytes = header.utf8
        let scheme = "bearer ".utf8
        // The scheme is case-insensitive: a sent byte matches its lowercase letter or that letter's uppercase.
        guard bytes.count > scheme.count, zip(bytes, scheme).allSatisfy({ $0 == $1 || ($1 > 0x60 && $0 == $1 &- 0x20) }) else { return nil }
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        let rest = bytes.dropFirst(scheme.count)
        guard let first = rest.firstIndex(where: { !isBlank($0) }), let last = rest.lastIndex(where: { !isBlank($0) }) else { return "" }
        return Substring(header.utf8[first...last])
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
        try check(context)
        return try await next(request, context)
    }

    /// Throws 401 when `context` is anonymous, 403 when its user has the wrong role.
    func check(_ context: Context) throws {
        guard let identity = context.identity else {
            throw AppError(.unauthorized, "Sign in to continue.")
        }
        if let role, identity.user.role != role {
            throw AppError(.forbidden, "This needs an administrator account.")
        }
    }
}
