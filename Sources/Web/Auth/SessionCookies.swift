import Foundation
import Hummingbird
import Storage

/// The cookies of a browser session: the access token, the refresh token and the CSRF token.
///
/// The access and refresh cookies are HttpOnly, so page scripts cannot read them; the CSRF cookie is
/// readable on purpose, so pages can echo it in `X-CSRF-Token` (double-submit). All are `Secure` when
/// the appliance serves TLS.
public struct SessionCookies: Sendable {
    public static let access = "klelite_access"
    public static let refresh = "klelite_refresh"
    public static let csrf = "klelite_csrf"
    /// The refresh cookie travels only to the auth routes that use it.
    static let refreshPath = "/api/v1/auth"

    let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
    }

    /// Sets the three cookies for a fresh access token and refresh token.
    func set(on response: inout Response, accessToken: String, accessLifetime: TimeInterval, session: IssuedSession, now: Date) {
        let refreshAge = max(0, Int(session.refreshTokenExpiresAt.timeIntervalSince(now)))
        response.setCookie(
            Cookie(name: Self.access, value: accessToken, maxAge: Int(accessLifetime), path: "/", secure: secure, httpOnly: true, sameSite: .lax)
        )
        response.setCookie(
            Cookie(
                name: Self.refresh,
                value: session.refreshToken,
                maxAge: refreshAge,
                path: Self.refreshPath,
                secure: secure,
                httpOnly: true,
                sameSite: .strict
            )
        )
        response.setCookie(
            Cookie(name: Self.csrf, value: SecureToken.generate(), maxAge: refreshAge, path: "/", secure: secure, httpOnly: false, sameSite: .lax)
        )
    }

    /// Expires all three cookies (sign-out, or a session that has ended).
    func clear(on response: inout Response) {
        response.setCookie(Cookie(name: Self.access, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
        response.setCookie(
            Cookie(name: Self.refresh, value: "", maxAge: 0, path: Self.refreshPath, secure: secure, httpOnly: true, sameSite: .strict)
        )
        response.setCookie(Cookie(name: Self.csrf, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: false, sameSite: .lax))
    }
}
