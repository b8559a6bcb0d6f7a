import Foundation
import JWTKit
import Storage
import Testing

@testable import Web

/// jwt-kit's reads of a token's JSON (``TokenJSONDecoder``): the header every token of the shop shares is decoded once,
/// and a token with any other header is judged exactly as it was without the memory.
@Suite struct TokenJSONDecoderTests {
    private let secret = "a-test-secret-that-is-at-least-32-bytes-long"

    private func identity(_ id: String) -> Identity {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        return Identity(
            user: User(id: id, email: "\(id)@example.vn", name: "Lan", phone: nil, role: .customer, isDisabled: false, createdAt: at, updatedAt: at),
            sessionID: "session-\(id)"
        )
    }

    /// Five new tokens cost one decode of their shared header and one of each payload (ten decodes before the memory).
    @Test func theSharedHeaderIsDecodedOnce() async throws {
        let tokens = AccessTokens(secret: secret, clock: ManualClock())
        var issued: [String] = []
        for index in 0..<5 { issued.append(try await tokens.issue(for: identity("u\(index)")).token) }
        #expect(Set(issued.map { $0.split(separator: ".")[0] }).count == 1)
        for (index, token) in issued.enumerated() {
            #expect(await tokens.verify(token)?.sub.value == "u\(index)")
        }
        #expect(tokens.json.decoderRuns == 1 + 5)
    }

    /// Tokens signed with the shop's secret but another header, or with no valid signature, after the shared header was
    /// remembered: each is judged as by a process that never saw a token, and the shared header still works after them.
    @Test func aTokenWithAnotherHeaderIsJudgedAsWithoutTheMemory() async throws {
        let clock = ManualClock()
        let tokens = AccessTokens(secret: secret, clock: clock)
        let (genuine, _) = try await tokens.issue(for: identity("u1"))
        #expect(await tokens.verify(genuine) != nil)

        let now = clock.now()
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: "u2"),
            sid: "session-u2",
            role: "admin",
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(600))
        )
        let signer = JWTKeyCollection()
        await signer.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let headers: [JWTHeader] = [
            ["alg": "HS256", "typ": "JWT", "x": "1"], ["alg": "HS256"], ["alg": "none", "typ": "JWT"], ["alg": "HS512", "typ": "JWT"],
            ["alg": "HS256", "typ": "JWT", "kid": "other"],
        ]
        var crafted: [String] = []
        for header in headers { crafted.append(try await signer.sign(claims, header: header)) }
        let payload = genuine.split(separator: ".")[1]
        func base64URL(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        crafted += [
            base64URL(#"{"alg":"none","typ":"JWT"}"#) + ".\(payload).", base64URL(#"{"alg":"HS256","typ":"JWT"}"#) + ".\(payload).",
            base64URL("not json") + ".\(payload).x", base64URL(#"{"alg":1}"#) + ".\(payload).x",
        ]
        #expect(await tokens.verify(crafted[0])?.sub.value == "u2")  // signed by the secret: good whatever its header says
        #expect(await tokens.verify(crafted[5]) == nil)  // `none`, unsigned
        for token in crafted {
            let fresh = AccessTokens(secret: secret, clock: clock)
            #expect(await tokens.verify(token) == (await fresh.verify(token)), "\(token)")
        }
        // Each header was new: each was decoded, and the shared one is read again as before.
        let (next, _) = try await tokens.issue(for: identity("u3"))
        #expect(await tokens.verify(next)?.sub.value == "u3")
    }

    private struct Fields: Decodable, Equatable {
        let alg: String?
        let kid: String?
    }

    private final class Box: Decodable {
        let alg: String?
    }

    /// The memory holds one document per type, the last good one, exactly its bytes; larger documents and classes are
    /// always decoded.
    @Test func onlyTheLastSmallDocumentOfATypeIsRemembered() throws {
        let decoder = TokenJSONDecoder()
        let a = Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8)
        let b = Data(#"{"alg":"HS256","kid":"k"}"#.utf8)
        func runs(after document: Data) throws -> Int {
            _ = try decoder.decode(Fields.self, from: document)
            return decoder.decoderRuns
        }
        #expect(try decoder.decode(Fields.self, from: a) == Fields(alg: "HS256", kid: nil))
        #expect(try runs(after: a) == 1)
        #expect(try decoder.decode(Fields.self, from: b) == Fields(alg: "HS256", kid: "k"))
        #expect(decoder.decoderRuns == 2)
        #expect(try runs(after: a) == 3)
        #expect(throws: (any Error).self) { try decoder.decode(Fields.self, from: Data(#"{"alg":1}"#.utf8)) }
        #expect(try runs(after: a) == 4)
        let large = Data((#"{"alg":"HS256","kid":""# + String(repeating: "k", count: 64) + #""}"#).utf8)
        #expect(try runs(after: large) == 5)
        #expect(try runs(after: large) == 6)
        _ = try decoder.decode(Box.self, from: a)
        _ = try decoder.decode(Box.self, from: a)
        #expect(decoder.decoderRuns == 8)
    }
}
