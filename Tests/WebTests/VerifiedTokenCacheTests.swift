import Foundation
import Hummingbird
import Storage
import Testing

@testable import Web

/// The memory of verified access tokens (``VerifiedTokenCache``) and the plain-Swift reading of the Bearer header, both
/// on the hot path of every signed-in request.
@Suite struct VerifiedTokenCacheTests {
    private let secret = "a-test-secret-that-is-at-least-32-bytes-long"

    private func identity(_ id: String) -> Identity {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        return Identity(
            user: User(id: id, email: "\(id)@example.vn", name: "Lan", phone: nil, role: .customer, isDisabled: false, createdAt: at, updatedAt: at),
            sessionID: "session-\(id)"
        )
    }

    /// A remembered token is not a valid token forever: its expiry is checked on every hit.
    @Test func aRememberedTokenStillExpires() async throws {
        let clock = ManualClock()
        let tokens = AccessTokens(secret: secret, clock: clock, lifetime: 60)
        let (token, _) = try await tokens.issue(for: identity("u1"))
        #expect(await tokens.verify(token)?.sub.value == "u1")
        #expect(await tokens.verify(token)?.sid == "session-u1")
        #expect(tokens.verified.count == 1)
        clock.advance(by: 61)
        #expect(await tokens.verify(token) == nil)
    }

    /// Only the exact bytes that were verified are remembered: a token changed in its signature or its payload after
    /// the genuine one was seen is still refused.
    @Test func aTokenChangedInOneByteIsVerifiedAfresh() async throws {
        let tokens = AccessTokens(secret: secret, clock: ManualClock())
        let (token, _) = try await tokens.issue(for: identity("u1"))
        #expect(await tokens.verify(token) != nil)
        var signature = Array(token.utf8)
        signature[signature.count - 2] = signature[signature.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await tokens.verify(String(decoding: signature, as: UTF8.self)) == nil)
        let parts = token.split(separator: ".").map(String.init)
        let (other, _) = try await tokens.issue(for: identity("u2"))
        let otherPayload = other.split(separator: ".").map(String.init)[1]
        #expect(await tokens.verify([parts[0], otherPayload, parts[2]].joined(separator: ".")) == nil)
        let forged = AccessTokens(secret: "another-secret-that-is-at-least-32-bytes!!", clock: ManualClock())
        #expect(await forged.verify(token) == nil)
    }

    /// A kept token's look-alike, equal to it as a Swift `String` (U+212A KELVIN SIGN is canonically `K`) but not in its
    /// bytes, is not found in the cache: jwt-kit sees it and refuses it.
    @Test func aCanonicallyEqualLookAlikeOfAKeptTokenIsRefused() async throws {
        let tokens = AccessTokens(secret: secret, clock: ManualClock())
        var withK: String?
        for index in 0..<40 where withK == nil {
            let (token, _) = try await tokens.issue(for: identity("k\(index)"))
            if token.contains("K") { withK = token }
        }
        let token = try #require(withK)
        #expect(await tokens.verify(token) != nil)
        let lookAlike = token.replacingOccurrences(of: "K", with: "\u{212A}")
        #expect(lookAlike == token)  // equal as Strings …
        #expect(await tokens.verify(lookAlike) == nil)  // … but not the token that was signed
    }

    /// The memory is bounded: past `keptTokens`, expired tokens go first, and then everything.
    @Test func theMemoryOfTokensStaysWithinItsBound() async throws {
        let clock = ManualClock()
        let tokens = AccessTokens(secret: secret, clock: clock, lifetime: 60, keptTokens: 3)
        var issued: [String] = []
        for index in 0..<10 {
            issued.append(try await tokens.issue(for: identity("u\(index)")).token)
        }
        for token in issued {
            #expect(await tokens.verify(token) != nil)
            #expect(tokens.verified.count <= 3)
        }
        // Every token still verifies (afresh when it was dropped).
        for token in issued { #expect(await tokens.verify(token) != nil) }
        #expect(tokens.verified.count <= 3)
    }

    /// The cache hashes only a token's last bytes but compares all of them: a token that ends like a kept one (same
    /// length, same signature bytes) and differs anywhere before is not found; the kept one is found from a slice of
    /// its header, as authentication looks it up.
    @Test func theCacheComparesEveryByteOfAToken() throws {
        let cache = VerifiedTokenCache(maxCount: 10)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let claims = AccessTokenClaims(
            sub: .init(value: "u1"),
            sid: "s1",
            role: "customer",
            iat: .init(value: at),
            exp: .init(value: at.addingTimeInterval(60))
        )
        let signature = String(repeating: "s", count: 32)
        let token = "Kheader.payload-of-u1." + signature
        cache.keep(claims, of: Substring(token), now: at)
        let header = "Bearer " + token
        #expect(cache.claims(of: header.dropFirst(7)) == claims)
        for offset in 0..<(token.utf8.count - 8) {
            var bytes = Array(token.utf8)
            bytes[offset] ^= 0x01
            #expect(cache.claims(of: Substring(String(decoding: bytes, as: UTF8.self))) == nil)
        }
        #expect(cache.claims(of: Substring(token + "x")) == nil)
        let lookAlike = token.replacingOccurrences(of: "K", with: "\u{212A}")
        #expect(lookAlike == token)  // equal as Strings, not in bytes
        #expect(cache.claims(of: Substring(lookAlike)) == nil)
    }

    /// ``ExactText``: equal only byte for byte, whether a slice or a string of its own, with equal hashes when equal.
    @Test func exactTextEqualsOnlyTheSameBytes() {
        let pairs: [(String, String)] = [("e\u{302}\u{323}", "e\u{323}\u{302}"), ("\u{212A}", "K"), ("é", "e\u{301}"), ("a", "a\u{0}")]
        for (left, right) in pairs {
            #expect(ExactText(Substring(left)) != ExactText(Substring(right)))
        }
        let line = "xx/api/v1/products?q=é yy"
        let slice = line.dropFirst(2).dropLast(3)
        let own = ExactText(slice).owned
        #expect(ExactText(slice) == own)
        #expect(ExactText(slice).hashValue == own.hashValue)
        #expect(ExactText("") == ExactText(Substring(String())))
    }

    @Test func theBearerSchemeIsReadWithoutFoundation() {
        func token(_ header: String?) -> String? {
            var head = HTTPRequest(method: .post, scheme: "http", authority: "shop", path: "/api/v1/cart")
            if let header { head.headerFields[.authorization] = header }
            return AuthenticationMiddleware<AppRequestContext>.bearerToken(Request(head: head, body: .init(buffer: ByteBuffer())))
        }
        #expect(token("Bearer abc.def") == "abc.def")
        #expect(token("bearer abc") == "abc")
        #expect(token("BeArEr \t abc \t") == "abc")
        #expect(token("Bearer") == nil)
        #expect(token("Bearerabc") == nil)
        #expect(token("Basic abc") == nil)
        #expect(token("Bearer\tabc") == nil)
        #expect(token(nil) == nil)
    }
}
