import NIOCore

/// JSON written without an encoder, for the few small objects a hot path writes: byte for byte what the encoder it stands
/// in for gives (keys sorted, control characters as `\b \f \n \r \t` or `\u00xx`, everything else as its UTF-8).
///
/// Checkout's transaction, in the one writer, writes two such objects per order — its notification's data and its email
/// job's payload — and Foundation's encoder, made and run for them, was 6.3 % of the writer's samples per order; written
/// here, 2.3 % (bench/PROFILES.md, fifteenth round). Every notification's data is written here, and the error envelope
/// (`ErrorEnvelopeWriter`, in Web) writes its strings here too. ``FlatJSONWriterTests`` holds the output to the
/// encoders' on any text.
public enum FlatJSONWriter {
    /// `{"key":"value",…}` as ``Foundation/JSONEncoder/jobs`` writes a `[String: String]`: keys in ascending order, `/`
    /// escaped.
    static func object(_ values: [String: String]) -> String {
        var out = ByteBufferAllocator().buffer(capacity: 2 + values.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        out.writeStaticString("{")
        for (index, pair) in values.sorted(by: { sortsBefore($0.key, $1.key) }).enumerated() {
            if index > 0 { out.writeStaticString(",") }
            string(pair.key, escapingSlashes: true, into: &out)
            out.writeStaticString(":")
            string(pair.value, escapingSlashes: true, into: &out)
        }
        out.writeStaticString("}")
        return String(buffer: out)
    }

    /// Whether key `a` comes before `b` in an object Foundation's encoder writes with `.sortedKeys`: by their UTF-8 bytes
    /// (on Linux), not by Swift's `<`, which compares canonical forms (`"a\u{301}"`, that is `á`, sorts after `"e"` by `<`
    /// and before it by bytes).
    public static func sortsBefore(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// A JSON string: `"` and `\` escaped (and `/` when `escapingSlashes`, as Foundation's encoder does unless told
    /// `.withoutEscapingSlashes`), control characters as short escapes or `\u00xx`, everything else as UTF-8. Text with
    /// nothing to escape (codes, messages, ids nearly always) is copied in one piece.
    public static func string(_ value: String, escapingSlashes: Bool, into out: inout ByteBuffer) {
        out.writeStaticString("\"")
        let plain = value.utf8.allSatisfy {
            $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && !(escapingSlashes && $0 == UInt8(ascii: "/"))
        }
        if plain {
            out.writeString(value)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString(#"\""#)
                case UInt8(ascii: "\\"): out.writeStaticString(#"\\"#)
                case UInt8(ascii: "/") where escapingSlashes: out.writeStaticString(#"\/"#)
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
