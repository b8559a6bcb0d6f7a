import Foundation
import Synchronization

/// Access tokens whose signature already checked out, with their claims, so a client that sends the same token on
/// every request costs one dictionary lookup instead of jwt-kit's HMAC, JSON decoding and actor hop each time.
///
/// Keyed by the token's exact bytes: a token differing in any byte is verified afresh. Only ASCII tokens are kept or
/// looked up (a JWT is base64url and dots): `String` equality is Unicode canonical equivalence, under which a non-ASCII
/// look-alike (U+212A KELVIN SIGN for `K`) would equal a kept token, and for ASCII it is byte equality. A kept token still expires: the
/// caller checks `exp` against its clock on every hit, and expired entries are the first to go when the cache is full.
/// Revocation is not the cache's concern — the session (``AccountService/identity(userID:sessionID:)``) is checked on
/// every request. Bounded: at `maxCount` tokens, the expired ones are dropped, and if that leaves it more than three
/// quarters full, all of them (so a full cache is pruned once per quarter of its size, not on every new token).
final class VerifiedTokenCache: Sendable {
    private let claims = Mutex<[String: AccessTokenClaims]>([:])
    let maxCount: Int

    init(maxCount: Int) {
        self.maxCount = maxCount
    }

    /// The claims of a token verified before, expired or not.
    func claims(of token: String) -> AccessTokenClaims? {
        guard Self.isASCII(token) else { return nil }
        return claims.withLock { $0[token] }
    }

    /// Keeps the claims of a token whose signature was verified; `now` decides which kept tokens expired.
    func keep(_ verified: AccessTokenClaims, of token: String, now: Date) {
        guard Self.isASCII(token) else { return }
        claims.withLock { kept in
            if kept.count >= maxCount {
                kept = kept.filter { $0.value.exp.value > now }
                if kept.count > maxCount / 4 * 3 { kept.removeAll(keepingCapacity: true) }
            }
            kept[token] = verified
        }
    }

    private static func isASCII(_ token: String) -> Bool { token.utf8.allSatisfy { $0 < 0x80 } }

    /// Tokens held (for tests of the bound).
    var count: Int { claims.withLock { $0.count } }
}
