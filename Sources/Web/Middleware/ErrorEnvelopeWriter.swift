import HTTPTypes

/// Writes ``ErrorEnvelope`` as JSON by hand, in the shape `JSONCoding.encoder` gives it (sorted keys, no escaped
/// slashes, `fields` left out when empty): an error answer is the common answer under load (a rush's sold-out
/// 409s), and a `JSONEncoder` with its boxes and generic metadata lookups for four short strings costs more than the
/// rest of that answer.
enum ErrorEnvelopeWriter {
    /// The headers of every envelope, built once (a rush answers thousands of 409s a second).
    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]

    static func bytes(code: String, message: String, fields: [String: String], requestID: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + message.utf8.count + requestID.utf8.count)
        out.append(contentsOf: #"{"error":{"code":"#.utf8)
        string(code, into: &out)
        if !fields.isEmpty {
            out.append(contentsOf: #","fields":{"#.utf8)
            for (index, name) in fields.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(name, into: &out)
                out.append(UInt8(ascii: ":"))
                string(fields[name] ?? "", into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #","message":"#.utf8)
        string(message, into: &out)
        out.append(contentsOf: #","requestId":"#.utf8)
        string(requestID, into: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    /// A JSON string: `"` and `\` escaped, control characters as short escapes or `\u00XX`, everything else as UTF-8.
    static func string(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value
    }
}
