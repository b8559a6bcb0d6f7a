import Foundation
import NIOCore
import Testing

@testable import Web

/// The hand-written error envelope says exactly what `JSONCoding.encoder` said for it, on any text.
@Suite struct ErrorEnvelopeWriterTests {
    private func encoded(code: String, message: String, fields: [String: String], requestID: String) throws -> String {
        let envelope = ErrorEnvelope(error: .init(code: code, message: message, fields: fields.isEmpty ? nil : fields, requestId: requestID))
        return String(decoding: try JSONCoding.encoder.encode(envelope), as: UTF8.self)
    }

    private func written(code: String, message: String, fields: [String: String], requestID: String) -> String {
        String(buffer: ErrorEnvelopeWriter.buffer(code: code, message: message, fields: fields, requestID: requestID))
    }

    @Test func theBytesAreTheEncodersBytes() throws {
        let cases: [(String, String, [String: String], String)] = [
            ("sold_out", "Sold out.", [:], "b4c7e0f2"),
            ("validation_failed", "Reserve at least one unit.", ["quantity": "must be a whole number from 1 to 100", "a/b": "x"], "r-1"),
            ("not_found", #"The "flash sale" at C:\shop / bánh mì 🥖"#, ["z": "", "m": "đ", "b": "é"], ""),
            // One kind of escape at a time: text is copied in one piece only when it needs none.
            ("conflict", #"Say "hi""#, ["q\"": #"a"b"#], #"r"1"#),
            ("conflict", #"C:\shop"#, ["b\\": #"a\b"#], #"r\1"#),
            ("conflict", "tab\there", ["c": "\u{7f}\u{1}"], "r\u{1f}"),
        ]
        for (code, message, fields, requestID) in cases {
            #expect(
                written(code: code, message: message, fields: fields, requestID: requestID)
                    == (try encoded(code: code, message: message, fields: fields, requestID: requestID))
            )
        }
    }

    /// Control characters need escapes of their own; whatever their spelling, the text reads back unchanged.
    @Test func controlCharactersReadBackUnchanged() throws {
        let message = "line\nbreak\ttab\r\u{8}\u{c}\u{1}\u{1f}\u{0}end\"\\"
        let bytes = Array(ErrorEnvelopeWriter.buffer(code: "bad", message: message, fields: ["k\n": "v\u{2}"], requestID: "id").readableBytesView)
        let decoded = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(bytes))
        #expect(decoded.error.message == message)
        #expect(decoded.error.fields == ["k\n": "v\u{2}"])
        #expect(decoded.error.code == "bad" && decoded.error.requestId == "id")
    }
}
