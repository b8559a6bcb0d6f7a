import Foundation
import JWTKit
import Storage
import Synchronization

/// The claims of an access token: who, which session, and until when.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    /// The session the token was issued in; ending the session ends the token.
    public var sid: String
    public var role: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    /// Signature checks are jwt-kit's; expiry is checked by ``AccessTokens`` against the injected clock.
    public func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Signs and checks short-lived access tokens (JWT, HS256) with the appliance's secret.
public final class AccessTokens: Sendable {
    /// Access tokens live 15 minutes; the refresh token renews them.
    public static let defaultLifetime: TimeInterval = 15 * 60

    /// jwt-kit's keys, reading tokens through ``TokenJSONDecoder``: a token's header, the same in every token issued
    /// here, is decoded once.
    private let keys: JWTKeyCollection
    let json = TokenJSONDecoder()
    private let secret: String
    private let keyAdded = Mutex(false)
    /// Tokens already verified, so a client's repeated token skips jwt-kit (its HMAC, JSON decoding and actor hop).
    let verified: VerifiedTokenCache
    let clock: any AppClock
    public let lifetime: TimeInterval

    /// - Parameter secret: at least 32 bytes (jwt-kit traps on shorter HMAC keys in debug builds).
    /// - Parameter keptTokens: how many verified tokens are remembered (one per active client is enough).
    public init(secret: String, clock: any AppClock, lifetime: TimeInterval = AccessTokens.defaultLifetime, keptTokens: Int = 50_000) {
        precondition(secret.utf8.count >= 32, "JWT secret must be at least 32 bytes")
        self.secret = secret
        self.keys = JWTKeyCollection(defaultJWTParser: DefaultJWTParser(jsonDecoder: json))
        self.verified = VerifiedTokenCache(maxCount: keptTokens)
        self.clock = clock
        self.lifetime = lifetime
    }

    /// A signed token for the identity, and when it expires.
    public func issue(for identity: Identity) async throws -> (token: String, expiresAt: Date) {
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(lifetime)
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: identity.user.id),
            sid: identity.sessionID,
            role: identity.user.role.rawValue,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: expiresAt)
        )
        return (try await signingKeys().sign(claims), expiresAt)
    }

    /// The claims of a genuine, unexpired token, or nil. A token whose exact bytes were verified before is not verified
    /// again (the key never changes while the process runs), but its expiry is checked against the clock every time.
    public func verify(_ token: String) async -> AccessTokenClaims? {
        await verify(Substring(token))
    }

    /// The same for a token read as a slice of its header: a token seen before is found without copying it out.
    func verify(_ token: Substring) async -> AccessTokenClaims? {
        let now = clock.now()
        if let kept = verified.claims(of: token) {
            return (try? kept.exp.verifyNotExpired(currentDate: now)) != nil ? kept : nil
        }
        guard let claims = try? await signingKeys().verify(String(token), as: AccessTokenClaims.self) else { return nil }
        guard (try? claims.exp.verifyNotExpired(currentDate: now)) != nil else { return nil }
        verified.keep(claims, of: token, now: now)
        return claims
    }

    /// The key collection, with the HMAC key added on first use (adding it again is harmless).
    private func signingKeys() async -> JWTKeyCollection {
        if !keyAdded.withLock({ $0 }) {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, parser: DefaultJWTParser(jsonDecoder: json))
            keyAdded.withLock { $0 = true }
        }
        return keys
    }
}
