import Foundation
import NIOCore
import Testing

@testable import Web

@Suite struct ReserveRequestTests {
    private func fast(_ body: String) -> ReserveRequest? {
        ReserveRequest(flatJSON: ByteBuffer(string: body))
    }

    private func decoded(_ body: String) -> ReserveRequest? {
        try? JSONDecoder().decode(ReserveRequest.self, from: Data(body.utf8))
    }

    /// The bodies clients send are read without `JSONDecoder`, to the values it reads.
    @Test func plainBodiesTakeTheFastPath() {
        for body in [
            #"{"productId":"p-1","quantity":1}"#, #"{"quantity": 2, "productId": "5f0c-AB"}"#,
            " {\n\t\"productId\" : \"x y\" ,\r\n \"quantity\" : 100 } ", #"{"productId":"","quantity":0}"#,
            #"{"productId":"p","quantity":999999999}"#,
        ] {
            let value = fast(body)
            #expect(value != nil, "\(body)")
            #expect(value == decoded(body), "\(body)")
        }
    }

    /// Every body the fast path reads, `JSONDecoder` reads the same, to the byte; everything else (odd, hostile or
    /// malformed) is left to the decoder, which gives the 400.
    @Test func theFastPathNeverReadsABodyDifferentlyFromJSONDecoder() {
        // Escapes, non-ASCII text and escaped keys are read, to what the decoder reads.
        let read = [
            #"{"productId":"p\"q","quantity":1}"#, #"{"productId":"p\\q","quantity":1}"#, #"{"productId":"p\u0041","quantity":1}"#,
            #"{"productId":"é","quantity":1}"#, #"{"product\u0049d":"p","quantity":1}"#, #"{"productId":"\ud83e\udd56\/","quantity":1}"#,
        ]
        let left = [
            "{\"productId\":\"a\u{1}b\",\"quantity\":1}", #"{"productId":"p","quantity":01}"#,
            #"{"productId":"p","quantity":-1}"#, #"{"productId":"p","quantity":1.0}"#, #"{"productId":"p","quantity":1e2}"#,
            #"{"productId":"p","quantity":1.5}"#, #"{"productId":"p","quantity":12345678901}"#, #"{"productId":"p","quantity":"1"}"#,
            #"{"productId":1,"quantity":1}"#, #"{"productId":"p","quantity":1,"productId":"q"}"#, #"{"productId":"p"}"#,
            #"{"productId":"p","quantity":1,"extra":2}"#, #"{"productId":"p","quantity":null}"#, #"{"productId":"p","quantity":1}x"#,
            #"{"productId":"p","quantity":1,}"#, #"{"productId":"p" "quantity":1}"#, #"[{"productId":"p","quantity":1}]"#,
            #"{"productId":"p","quantity":1"#, #"{"productId":"p,"quantity":1}"#, #"{"productId":{"a":"b"},"quantity":1}"#,
            #"{"productId":"p","quantity":1x}"#, #"{"productId":"p","quantity":true}"#, #"{"productId":"p","quantity":[1]}"#, "", "{}",
            " ", "{\"productId\":\"p\",\"quantity\":1}\u{0}", "{\"productId\":\"p\",\u{A0}\"quantity\":1}",
            #"{"productId":"\ud83e","quantity":1}"#, #"{"productId":"\udd56","quantity":1}"#, #"{"productId":"\x41","quantity":1}"#,
        ]
        for body in read {
            #expect(fast(body) != nil, "\(body)")
            #expect(fast(body).map(Self.bytes) == decoded(body).map(Self.bytes), "\(body)")
        }
        for body in left {
            #expect(fast(body) == nil, "\(body)")
        }
    }

    private static func bytes(_ request: ReserveRequest) -> [UInt8] {
        Array(request.productId.utf8) + [0] + Array(String(request.quantity).utf8)
    }

    /// The reader gives up at the member after its limit (before comparing that key with the others), so a body of
    /// thousands of distinct keys costs it nothing: the decoder reads it, in linear time.
    @Test func theReaderStopsAtTheMemberAfterItsLimit() {
        let three = ByteBuffer(string: #"{"a":1,"b":"x","c":3}"#)
        #expect(FlatJSONObject.members(of: three, limit: 3)?.map(\.key) == ["a", "b", "c"])
        #expect(FlatJSONObject.members(of: three, limit: 2) == nil)
        let many = "{" + (0..<2_000).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
        #expect(FlatJSONObject.members(of: ByteBuffer(string: many), limit: 2)?.count == nil)
        #expect(FlatJSONObject.members(of: ByteBuffer(string: many), limit: 2_000)?.count == 2_000)
        #expect(fast(many) == nil)
    }
}
