import Foundation
import Hummingbird
import Storage

/// `/api/v1/auth`: register, login, refresh, logout, the signed-in user's profile, password reset.
struct AuthController<Context: AppRequestContextProtocol> {
    let accounts: AccountService
    /// A guest cart merges into the user's cart at sign-in.
    let carts: CartService
    let tokens: AccessTokens
    /// Sign-out closes the session's live streams.
    let hub: any NotificationHub
    let cookies: SessionCookies
    let throttle: AuthThrottle
    /// Origins (`PUBLIC_URL`, `CORS_ORIGINS`) that may post to register and login, besides the shop's own host.
    let ownOrigins: Set<String>

    /// Mounted at `auth`: signing up, in and out, and resetting a password.
    func addPublicRoutes(to group: RouterGroup<Context>) {
        group.post("register", use: register)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
        group.post("password/forgot", use: forgotPassword)
        group.post("password/reset", use: resetPassword)
    }

    /// Mounted at `auth`, signed in: the account itself, and ending every session.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.post("logout-all", use: logoutEverywhere)
        group.get("me", use: me)
        group.patch("me", use: updateMe)
    }

    struct RegisterRequest: Decodable {
        let email: String
        let password: String
        let name: String
        let phone: String?
    }

    struct LoginRequest: Decodable {
        let email: String
        let password: String
    }

    struct RefreshRequest: Decodable {
        let refreshToken: String?
    }

    struct ProfileRequest: Decodable {
        let name: String?
        let phone: String?
        let newPassword: String?
        let currentPassword: String?
    }

    struct ForgotRequest: Decodable {
        let email: String
    }

    struct ResetRequest: Decodable {
        let token: String
        let password: String
    }

    @Sendable func register(_ request: Request, context: Context) async throws -> Response {
        try requireOwnOrigin(request)
        let input = try await request.decode(as: RegisterRequest.self, context: context)
        try await throttle.check(ip: context.clientAddress)
        let user = try await accounts.register(email: input.email, password: input.password, name: input.name, phone: input.phone)
        return try await signedIn(user, status: .created, request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        try requireOwnOrigin(request)
        let input = try await request.decode(as: LoginRequest.self, context: context)
        try await throttle.check(ip: context.clientAddress, account: input.email)
        let user = try await accounts.authenticate(email: input.email, password: input.password)
        return try await signedIn(user, status: .ok, request: request, context: context)
    }

    @Sendable func refresh(_ request: Request, context: Context) async throws -> Response {
        let token = try await refreshToken(request, context: context)
        do {
            guard let token else { throw AppError(.unauthorized, "Sign in to continue.") }
            let (identity, session) = try await accounts.refreshSession(token: token)
            return try await sessionResponse(identity, session, status: .ok, context: context)
        } catch let error as AppError where error.code == .unauthorized {
            var response = ErrorMiddleware<Context>.response(for: error, requestID: context.id)
            cookies.clear(on: &response)
            return response
        }
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if let identity = context.identity {
            try await accounts.endSession(id: identity.sessionID)
            hub.disconnect(session: identity.sessionID)
        } else if let token = try await refreshToken(request, context: context),
            let sessionID = try await accounts.endSession(refreshToken: token)
        {
            hub.disconnect(session: sessionID)
        }
        var response = Response(status: .noContent, headers: [.cacheControl: "no-store"])
        cookies.clear(on: &response)
        return response
    }

    /// Ends every session of the signed-in user (all devices) and closes their live streams.
    @Sendable func logoutEverywhere(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        try await accounts.endAllSessions(userID: identity.user.id)
        hub.disconnect(user: identity.user.id)
        var response = Response(status: .noContent, headers: [.cacheControl: "no-store"])
        cookies.clear(on: &response)
        return response
    }

    @Sendable func me(_ request: Request, context: Context) async throws -> UserResponse {
        UserResponse(try await accounts.user(id: try context.requireIdentity().user.id))
    }

    @Sendable func updateMe(_ request: Request, context: Context) async throws -> UserResponse {
        let input = try await request.decode(as: ProfileRequest.self, context: context)
        let identity = try context.requireIdentity()
        let change = AccountService.ProfileChange(
            name: input.name,
            phone: input.phone,
            newPassword: input.newPassword,
            currentPassword: input.currentPassword
        )
        // A password change checks the current password: it is throttled like a login.
        if input.newPassword != nil { try await throttle.check(ip: context.clientAddress, account: identity.user.email) }
        let user = try await accounts.updateProfile(identity, change)
        // The other sessions were ended: their live streams close too (this tab's stream reconnects).
        if input.newPassword != nil { hub.disconnect(user: user.id) }
        return UserResponse(user)
    }

    @Sendable func forgotPassword(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: ForgotRequest.self, context: context)
        try await throttle.check(ip: context.clientAddress, account: input.email)
        do {
            try await accounts.requestPasswordReset(email: input.email)
        } catch {
            context.requestLogger.error("password reset email failed", metadata: ["error": "\(error)"])
        }
        return Response(status: .accepted, headers: [.cacheControl: "no-store"])
    }

    @Sendable func resetPassword(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: ResetRequest.self, context: context)
        try await throttle.check(ip: context.clientAddress)
        let userID = try await accounts.resetPassword(token: input.token, newPassword: input.password)
        hub.disconnect(user: userID)
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    // MARK: - Helpers

    private func signedIn(_ user: User, status: HTTPResponse.Status, request: Request, context: Context) async throws -> Response {
        let session = try await accounts.startSession(for: user)
        var response = try await sessionResponse(Identity(user: user, sessionID: session.sessionID), session, status: status, context: context)
        if let guestCart = request.cookies[CartController<Context>.cookieName]?.value, !guestCart.isEmpty {
            // Best effort: a cart that cannot be merged must never stand between a guest and signing in.
            do {
                try await carts.merge(guestCartID: guestCart, into: user.id)
            } catch {
                context.requestLogger.warning("guest cart not merged at sign-in", metadata: ["error": "\(error)"])
            }
            let expired = Cookie(
                name: CartController<Context>.cookieName,
                value: "",
                maxAge: 0,
                path: "/",
                secure: cookies.secure,
                httpOnly: true,
                sameSite: .lax
            )
            response.setCookie(expired)
        }
        return response
    }

    private func sessionResponse(
        _ identity: Identity,
        _ session: IssuedSession,
        status: HTTPResponse.Status,
        context: Context
    ) async throws -> Response {
        let access = try await tokens.issue(for: identity)
        let body = SessionResponse(user: UserResponse(identity.user), accessToken: access.token, accessTokenExpiresAt: access.expiresAt)
        var response = try JSONCoding.response(body, status: status)
        cookies.set(on: &response, accessToken: access.token, accessLifetime: tokens.lifetime, session: session, now: tokens.clock.now())
        return response
    }

    /// Refuses a sign-in or registration posted from another site: an `Origin`, when the browser sends one,
    /// must be the shop's own (its `Host`, `PUBLIC_URL`, or one of `CORS_ORIGINS`). Login CSRF would otherwise
    /// sign a victim into the attacker's account.
    private func requireOwnOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin]?.lowercased() else { return }
        if ownOrigins.contains(origin) { return }
        let host = request.head.authority?.lowercased()
        if let host, let components = URLComponents(string: origin), let originHost = components.host, components.scheme != nil {
            let originAuthority = originHost + (components.port.map { ":\($0)" } ?? "")
            if originAuthority == host { return }
        }
        throw AppError(.forbidden, "Sign in from the shop's own pages.")
    }

    /// The refresh token from the cookie, or from a JSON body `{"refreshToken": "…"}` for API clients.
    private func refreshToken(_ request: Request, context: Context) async throws -> String? {
        if let cookie = request.cookies[SessionCookies.refresh]?.value, !cookie.isEmpty { return cookie }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard body.readableBytes > 0 else { return nil }
        return try await request.decode(as: RefreshRequest.self, context: context).refreshToken
    }
}
