import HTTPTypes
import NIOCore

/// Writes ``ErrorEnvelope`` as JSON by hand, in the shape `JSONCoding.encoder` gives it (sorted keys, no escaped
/// slashes, `fields` left out when empty): an error answer is the common answer under load (a rush's sold-out
/// 409s), and a `JSONEncoder` with its boxes and generic metadata lookups for four short strings costs more than the
/// rest of that answer.
enum ErrorEnvelopeWriter {
    /// The headers of every envelope, built once (a rush answers thousands of 409s a second).
    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]

    /// The envelope, written straight into the buffer the response sends (one allocation, sized up front).
    static func buffer(code: String, message: String, fields: [String: String], requestID: String) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 96 + code.utf8.count + message.utf8.count + requestID.utf8.count)
        out.writeStaticString(#"{"error":{"code":"#)
        string(code, into: &out)
        if !fields.isEmpty {
            out.writeStaticString(#","fields":{"#)
            for (index, name) in fields.keys.sorted().enumerated() {
                if index > 0 { out.writeStaticString(",") }
                string(name, into: &out)
                out.writeStaticString(":")
                string(fields[name] ?? "", into: &out)
            }
            out.writeStaticString("}")
        }
        out.writeStaticString(#","message":"#)
        string(message, into: &out)
        out.writeStaticString(#","requestId":"#)
        string(requestID, into: &out)
        out.writeStaticString("}}")
        return out
    }

    /// A JSON string: `"` and `\` escaped, control characters as short escapes or `\u00XX`, everything else as UTF-8.
    /// Text with nothing to escape (codes, messages, request ids nearly always) is copied in one piece.
    static func string(_ value: String, into out: inout ByteBuffer) {
        out.writeStaticString("\"")
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.writeString(value)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString(#"\""#)
                case UInt8(ascii: "\\"): out.writeStaticString(#"\\"#)
                case 0x0A: out.writeStaticString(#"\n"#)
                case 0x0D: out.writeStaticString(#"\r"#)
                case 0x09: out.writeStaticString(#"\t"#)
                case 0x08: out.writeStaticString(#"\b"#)
                case 0x0C: out.writeStaticString(#"\f"#)
                case 0..<0x20:
                    out.writeStaticString(#"\u00"#)
                    out.writeInteger(hexDigit(byte >> 4))
                    out.writeInteger(hexDigit(byte & 0x0F))
                default: out.writeInteger(byte)
                }
            }
        }
        out.writeStaticString("\"")
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value
    }
}
