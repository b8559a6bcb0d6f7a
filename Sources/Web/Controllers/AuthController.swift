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

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("register", use: register)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
        group.group("logout-all")
            .add(middleware: RequireRoleMiddleware())
            .post(use: logoutEverywhere)
        group.post("password/forgot", use: forgotPassword)
        group.post("password/reset", use: resetPassword)
        group.group("me")
            .add(middleware: RequireRoleMiddleware())
            .get(use: me)
            .patch(use: updateMe)
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
        let input = try await request.decode(as: RegisterRequest.self, context: context)
        try await throttle.check(ip: context.remoteAddress)
        let user = try await accounts.register(email: input.email, password: input.password, name: input.name, phone: input.phone)
        return try await signedIn(user, status: .created, request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: LoginRequest.self, context: context)
        try await throttle.check(ip: context.remoteAddress, account: input.email)
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
        } else if let token = try await refreshToken(request, context: context) {
            try await accounts.endSession(refreshToken: token)
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
        let change = AccountService.ProfileChange(
            name: input.name,
            phone: input.phone,
            newPassword: input.newPassword,
            currentPassword: input.currentPassword
        )
        return UserResponse(try await accounts.updateProfile(try context.requireIdentity(), change))
    }

    @Sendable func forgotPassword(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: ForgotRequest.self, context: context)
        try await throttle.check(ip: context.remoteAddress, account: input.email)
        do {
            try await accounts.requestPasswordReset(email: input.email)
        } catch {
            context.logger.error("password reset email failed", metadata: ["error": "\(error)"])
        }
        return Response(status: .accepted, headers: [.cacheControl: "no-store"])
    }

    @Sendable func resetPassword(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: ResetRequest.self, context: context)
        try await throttle.check(ip: context.remoteAddress)
        try await accounts.resetPassword(token: input.token, newPassword: input.password)
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    // MARK: - Helpers

    private func signedIn(_ user: User, status: HTTPResponse.Status, request: Request, context: Context) async throws -> Response {
        let session = try await accounts.startSession(for: user)
        var response = try await sessionResponse(Identity(user: user, sessionID: session.sessionID), session, status: status, context: context)
        if let guestCart = request.cookies[CartController<Context>.cookieName]?.value, !guestCart.isEmpty {
            try await carts.merge(guestCartID: guestCart, into: user.id)
            response.setCookie(Cookie(name: CartController<Context>.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
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

    /// The refresh token from the cookie, or from a JSON body `{"refreshToken": "…"}` for API clients.
    private func refreshToken(_ request: Request, context: Context) async throws -> String? {
        if let cookie = request.cookies[SessionCookies.refresh]?.value, !cookie.isEmpty { return cookie }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard body.readableBytes > 0 else { return nil }
        return try await request.decode(as: RefreshRequest.self, context: context).refreshToken
    }
}

extension AppRequestContextProtocol {
    /// The signed-in identity; routes behind ``RequireRoleMiddleware`` always have one.
    func requireIdentity() throws(AppError) -> Identity {
        guard let identity else { throw AppError(.unauthorized, "Sign in to continue.") }
        return identity
    }
}
