import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import Web

/// Header reads without a copy per read: each answers exactly what the joining subscript answers.
@Suite struct HeaderValueTests {
    private static let samples: [HTTPFields] = [
        [:],
        [.authorization: "Bearer abc.def"],
        [.authorization: "bearer   abc  ", .contentType: "application/json"],
        HTTPFields([HTTPField(name: .authorization, value: "Bearer a"), HTTPField(name: .authorization, value: "Bearer b")]),
        HTTPFields([HTTPField(name: .cookie, value: "a=1"), HTTPField(name: .cookie, value: "b=2")]),
        HTTPFields([
            HTTPField(name: .contentLength, value: "12"), HTTPField(name: .accept, value: "x"), HTTPField(name: .contentLength, value: "12"),
        ]),
        [.authorization: "Basic dXNlcjpwdw=="],
        [.authorization: "Bearer"],
        [.authorization: "Bearer \t "],
        [.authorization: "BEARER t"],
        [.authorization: "Bearerx t"],
        [.authorization: ""],
    ]

    @Test func aValueIsWhatTheSubscriptJoins() {
        for fields in Self.samples {
            for name in [HTTPField.Name.authorization, .cookie, .contentLength, .contentType, .accept, .transferEncoding] {
                #expect(fields.value(of: name) == fields[name], "\(name) in \(fields)")
            }
        }
    }

    /// CSRF asks whether a Bearer token is sent without copying it out; the answer is the token reader's.
    @Test func sendingABearerTokenIsHavingOne() {
        for fields in Self.samples {
            let request = Request(
                head: HTTPRequest(method: .post, scheme: "http", authority: "shop", path: "/api/v1/cart", headerFields: fields),
                body: .init(buffer: ByteBuffer())
            )
            let token = AuthenticationMiddleware<AppRequestContext>.bearerToken(request)
            #expect(AuthenticationMiddleware<AppRequestContext>.sendsBearerToken(request) == (token != nil), "\(fields)")
        }
        let twice = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "shop", path: "/", headerFields: Self.samples[3]),
            body: .init(buffer: ByteBuffer())
        )
        #expect(AuthenticationMiddleware<AppRequestContext>.bearerToken(twice) == "a, Bearer b")
    }
}
