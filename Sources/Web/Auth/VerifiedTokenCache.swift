import Foundation
import Synchronization

/// Access tokens whose signature already checked out, with their claims, so a client that sends the same token on
/// every request costs one dictionary lookup instead of jwt-kit's HMAC, JSON decoding and actor hop each time.
///
/// Keyed by the token's exact bytes (``Key``): a token differing in any byte is verified afresh, and a look-alike that
/// `String` equality would take for a kept token (Unicode canonical equivalence: U+212A KELVIN SIGN for `K`) is not one.
/// Looked up with the slice of the `Authorization` header the token is, so a hit copies nothing. A kept token still expires: the
/// caller checks `exp` against its clock on every hit, and expired entries are the first to go when the cache is full.
/// Revocation is not the cache's concern — the session (``AccountService/identity(userID:sessionID:)``) is checked on
/// every request. Bounded: at `maxCount` tokens, the expired ones are dropped, and if that leaves it more than three
/// quarters full, all of them (so a full cache is pruned once per quarter of its size, not on every new token).
final class VerifiedTokenCache: Sendable {
    /// A token as the cache's key: equal to another only byte for byte (``ExactText``). Its last 8 bytes — a JWT's
    /// signature, which differs from token to token — are read once into ``tail``: hashed instead of all ~200 bytes, and
    /// compared first, so a probe that meets another user's token (whose first ~40 bytes, the JWT header, are the same)
    /// fails on one comparison. Only verified tokens are kept, so nobody can fill one bucket on purpose.
    struct Key: Hashable, Sendable {
        let token: ExactText
        let tail: UInt64

        init(_ token: Substring) {
            self.token = ExactText(token)
            self.tail = token.utf8.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
        }

        private init(token: ExactText, tail: UInt64) {
            self.token = token
            self.tail = tail
        }

        /// The same key in storage of its own (see ``ExactText/owned``).
        var owned: Key { Key(token: token.owned, tail: tail) }

        func hash(into hasher: inout Hasher) {
            hasher.combine(tail)
            hasher.combine(token.text.utf8.count)
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.tail == rhs.tail && lhs.token == rhs.token
        }
    }

    private let claims = Mutex<[Key: AccessTokenClaims]>([:])
    let maxCount: Int

    init(maxCount: Int) {
        self.maxCount = maxCount
    }

    /// The claims of a token verified before, expired or not.
    func claims(of token: Substring) -> AccessTokenClaims? {
        claims.withLock { $0[Key(token)] }
    }

    /// Keeps the claims of a token whose signature was verified; `now` decides which kept tokens expired.
    func keep(_ verified: AccessTokenClaims, of token: Substring, now: Date) {
        let key = Key(token).owned
        claims.withLock { kept in
            if kept.count >= maxCount {
                kept = kept.filter { $0.value.exp.value > now }
                if kept.count > maxCount / 4 * 3 { kept.removeAll(keepingCapacity: true) }
            }
            kept[key] = verified
        }
    }

    /// Tokens held (for tests of the bound).
    var count: Int { claims.withLock { $0.count } }
}
