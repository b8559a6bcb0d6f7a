import Foundation
import NIOCore
import PropertyBased
import Testing

@testable import Storage
@testable import Web

/// A checkout's body read without `JSONDecoder` is what the decoder reads, to the byte, or is left to it.
@Suite struct PlaceOrderRequestTests {
    /// Scalars at every branch of the string reader: the escapes JSON names, controls, `/`, DEL, multi-byte text, a
    /// combining mark, a line separator, a byte-order mark and one outside the BMP (a surrogate pair when escaped).
    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "-", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\u{7F}",
        "é", "\u{301}", "Đ", "ư", "\u{2028}", "\u{FEFF}", "🥖", "\u{10FFFF}",
    ]
    static let blanks = ["", " ", "\n", "\t", "\r\n  "]
    static let addressKeys = ["name", "phone", "line", "ward", "district", "city"]

    private static func fast(_ body: String) -> PlaceOrderRequest? {
        PlaceOrderRequest(flatJSON: ByteBuffer(string: body))
    }

    private static func decoded(_ body: String) -> PlaceOrderRequest? {
        try? JSONCoding.decoder.decode(PlaceOrderRequest.self, from: Data(body.utf8))
    }

    /// Every string of a request as its UTF-8 bytes, and its numbers: `==` on `String` compares canonical forms, so it
    /// would not see `é` read as `e` + U+0301.
    private static func bytes(_ request: PlaceOrderRequest) -> [[UInt8]] {
        let address = request.address
        let texts = [address.name, address.phone, address.line, address.ward, address.district, address.city, request.paymentMethod]
        let optionals = [request.note, request.voucherCode, request.pointsToRedeem.map { String($0) }]
        return texts.map { Array($0.utf8) } + optionals.map { $0.map { [1] + Array($0.utf8) } ?? [0] }
    }

    /// `text` as a JSON string, each scalar written as `styles` picks: as it is, by its short escape, or as `\uXXXX`
    /// (upper or lower case hex; a surrogate pair beyond the BMP). A control character is always escaped.
    static func literal(_ text: String, styles: [Int]) -> String {
        var out = "\""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            let style = styles.isEmpty ? 0 : styles[index % styles.count] % 4
            func unicode(_ unit: UInt32) -> String {
                let hex = String(unit, radix: 16, uppercase: style == 3)
                return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            func escaped() -> String {
                guard scalar.value > 0xFFFF else { return unicode(scalar.value) }
                let value = scalar.value - 0x10000
                return unicode(0xD800 + (value >> 10)) + unicode(0xDC00 + (value & 0x3FF))
            }
            let short: String? =
                switch scalar {
                case "\"": "\\\""
                case "\\": "\\\\"
                case "/": "\\/"
                case "\u{8}": "\\b"
                case "\u{C}": "\\f"
                case "\u{A}": "\\n"
                case "\u{D}": "\\r"
                case "\u{9}": "\\t"
                default: nil
                }
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            switch style {
            case 0 where !mustEscape: out.unicodeScalars.append(scalar)
            case 0, 1: out += short ?? (mustEscape ? escaped() : String(scalar))
            default: out += escaped()
            }
        }
        return out + "\""
    }

    /// A body built from generated picks: `texts` for every string, `styles` for how each scalar is written, `shape`
    /// for which optionals are there, the members' order and the blanks between tokens.
    static func body(texts: [[Int]], styles: [Int], number: Int, shape: [Int]) -> String {
        var nextText = 0
        func text() -> String {
            defer { nextText += 1 }
            var text = ""
            for pick in texts[nextText % texts.count] { text.unicodeScalars.append(alphabet[pick % alphabet.count]) }
            return literal(text, styles: styles.shuffledBy(nextText))
        }
        var nextShape = 0
        func pick() -> Int {
            defer { nextShape += 1 }
            return shape.isEmpty ? 0 : shape[nextShape % shape.count]
        }
        func blank() -> String { blanks[pick() % blanks.count] }
        func object(_ members: [(String, String)]) -> String {
            var members = members
            if pick() % 2 == 1 { members.reverse() }
            if members.count > 1, pick() % 3 == 0 { members.swapAt(0, members.count - 1) }
            let inside = members.map { key, value in blank() + literal(key, styles: []) + blank() + ":" + blank() + value + blank() }
            return "{" + inside.joined(separator: ",") + (members.isEmpty ? blank() : "") + "}"
        }
        let address = object(addressKeys.map { ($0, text()) })
        var members = [("address", address), ("paymentMethod", text())]
        if pick() % 2 == 0 { members.append(("note", text())) }
        if pick() % 2 == 0 { members.append(("voucherCode", text())) }
        if pick() % 2 == 0 { members.append(("pointsToRedeem", String(number))) }
        return blank() + object(members) + blank()
    }

    /// What browsers send (raw UTF-8, `JSON.stringify`) and what the bench sends (Python's `json.dumps`, every
    /// non-ASCII character escaped) take the fast path, to what the decoder reads.
    @Test func bodiesClientsSendTakeTheFastPath() {
        let bodies = [
            #"{"address":{"name":"Bench Buyer","phone":"0901234567","line":"1 \u0110\u01b0\u1eddng Bench","ward":"Ph\u01b0\u1eddng 1","district":"Qu\u1eadn 1","city":"HCM"},"paymentMethod":"cod"}"#,
            #"{"address":{"name":"Lan","phone":"0901","line":"12 Lê Lợi","ward":"Bến Nghé","district":"Quận 1","city":"Hồ Chí Minh"},"note":"Gõ cửa 🥖","paymentMethod":"card","voucherCode":"TET25","pointsToRedeem":120}"#,
            " {\n  \"paymentMethod\" : \"bank_transfer\",\n  \"address\" : { \"city\" : \"Hà Nội\", \"ward\" : \"w\", \"district\" : \"d\", \"line\" : \"l\", \"phone\" : \"p\", \"name\" : \"n\" }\n} ",
        ]
        for body in bodies {
            #expect(Self.fast(body) != nil, "\(body)")
            #expect(Self.fast(body).map(Self.bytes) == Self.decoded(body).map(Self.bytes), "\(body)")
        }
    }

    /// Any body of the accepted shape, however its strings are written, is read, to what the decoder reads.
    @Test func anyPlainBodyIsReadAsTheDecoderReadsIt() async {
        await propertyCheck(
            count: 1000,
            input: Gen.int(in: 0...(Self.alphabet.count - 1)).array(of: 0...8).array(of: 1...10),
            Gen.int(in: 0...3).array(of: 0...6),
            Gen.int(in: 0...999_999_999),
            Gen.int(in: 0...9).array(of: 0...12)
        ) { texts, styles, number, shape in
            let body = Self.body(texts: texts, styles: styles, number: number, shape: shape)
            let fast = Self.fast(body)
            #expect(fast != nil, "\(body)")
            #expect(fast.map(Self.bytes) == Self.decoded(body).map(Self.bytes), "\(body)")
        }
    }

    /// A body with a byte changed, dropped or added anywhere is either read as the decoder reads it or left to it:
    /// the fast path never accepts what the decoder refuses, nor reads it differently.
    @Test func aDamagedBodyIsReadAsTheDecoderReadsItOrLeftToIt() async {
        let damage: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x2C, 0x3A, 0x30, 0x2D, 0x75, 0x44, 0x20, 0x00, 0x1F, 0x80, 0xC3, 0xED, 0xFF, 0x6E]
        await propertyCheck(
            count: 2000,
            input: Gen.int(in: 0...(Self.alphabet.count - 1)).array(of: 0...5).array(of: 1...10),
            Gen.int(in: 0...3).array(of: 0...6),
            Gen.int(in: 0...9).array(of: 0...12),
            Gen.int(in: 0...10_000).array(of: 1...4)
        ) { texts, styles, shape, cuts in
            var bytes = Array(Self.body(texts: texts, styles: styles, number: 7, shape: shape).utf8)
            for cut in cuts {
                let at = cut % (bytes.count + 1)
                switch cut % 3 {
                case 0 where at < bytes.count: bytes[at] = damage[cut % damage.count]
                case 1 where at < bytes.count: bytes.remove(at: at)
                default: bytes.insert(damage[cut % damage.count], at: at)
                }
            }
            let fast = PlaceOrderRequest(flatJSON: ByteBuffer(bytes: bytes))
            let decoded = try? JSONCoding.decoder.decode(PlaceOrderRequest.self, from: Data(bytes))
            if let fast {
                #expect(Self.bytes(fast) == decoded.map(Self.bytes), "\(bytes)")
            }
        }
    }

    /// Shapes the fast path leaves to the decoder: what it would refuse, and what it reads in ways the reader does not
    /// follow (a lone surrogate, unknown members, `null`, deeper nesting).
    @Test func oddShapesAreLeftToTheDecoder() {
        let address = #"{"name":"n","phone":"p","line":"l","ward":"w","district":"d","city":"c"}"#
        let bodies = [
            #"{"address":\#(address)}"#,
            #"{"address":{"name":"n","phone":"p","line":"l","ward":"w","district":"d"},"paymentMethod":"cod"}"#,
            #"{"address":{"name":"n","phone":"p","line":"l","ward":"w","district":"d","city":"c","zip":"z"},"paymentMethod":"cod"}"#,
            #"{"address":{"name":"n","phone":"p","line":"l","ward":"w","district":"d","city":1},"paymentMethod":"cod"}"#,
            #"{"address":{"name":"n","phone":"p","line":"l","ward":"w","district":"d","city":{"a":"b"}},"paymentMethod":"cod"}"#,
            #"{"address":{"name":"n","phone":"p","line":"l","ward":"w","district":"d","name":"c"},"paymentMethod":"cod"}"#,
            #"{"address":\#(address),"paymentMethod":"cod","note":null}"#,
            #"{"address":\#(address),"paymentMethod":"cod","pointsToRedeem":-1}"#,
            #"{"address":\#(address),"paymentMethod":"cod","pointsToRedeem":"1"}"#,
            #"{"address":\#(address),"paymentMethod":"cod","gift":true}"#,
            #"{"address":\#(address),"paymentMethod":"\ud800"}"#,
            #"{"address":\#(address),"paymentMethod":"\udc00x"}"#,
            #"{"address":\#(address),"paymentMethod":"\ud800\u0041"}"#,
            #"{"address":\#(address),"paymentMethod":"\u12"}"#,
            #"{"address":\#(address),"paymentMethod":"\u12G4"}"#,
            #"{"address":\#(address),"paymentMethod":"\a"}"#,
            #"{"address":\#(address),"paymentMethod":"cod","paymentMethod":"card"}"#,
            #"{"address":"\#(address)","paymentMethod":"cod"}"#,
            #"{"address":[\#(address)],"paymentMethod":"cod"}"#,
        ]
        for body in bodies {
            #expect(Self.fast(body) == nil, "\(body)")
        }
        // Bytes that are not UTF-8 inside a string: a stray continuation byte, a cut sequence, an overlong NUL, a
        // surrogate written out in UTF-8.
        for bad: [UInt8] in [[0x80], [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF]] {
            let body = Array(#"{"address":\#(address),"paymentMethod":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(PlaceOrderRequest(flatJSON: ByteBuffer(bytes: body)) == nil)
        }
    }

    /// The bench's way of writing an address (every non-ASCII character escaped) reads as its text.
    @Test func anEscapedAddressReadsAsItsText() async throws {
        let address =
            #"{"name":"B\u00e9","phone":"0901234567","line":"1 \u0110\u01b0\u1eddng","ward":"Ph\u01b0\u1eddng 1","#
            + #""district":"Qu\u1eadn 1","city":"HCM \ud83e\udd56"}"#
        let body = ByteBuffer(string: #"{"address":"# + address + #","paymentMethod":"cod"}"#)
        let request = try #require(PlaceOrderRequest(flatJSON: body))
        #expect(request.address.line == "1 Đường")
        #expect(Array(request.address.city.utf8) == Array("HCM 🥖".utf8))
        #expect(Array(request.address.name.utf8) == Array("B\u{E9}".utf8))
    }
}

extension Array where Element == Int {
    /// The picks rotated by `offset`, so that each string of a body is written in its own mix of styles.
    fileprivate func shuffledBy(_ offset: Int) -> [Int] {
        guard !isEmpty else { return self }
        let start = offset % count
        return Array(self[start...] + self[..<start])
    }
}
