import NIOCore

/// A reader for the simplest JSON request bodies — one object whose values are strings, small whole numbers, or one
/// level of such objects, like `{"productId": "…", "quantity": 1}` or a checkout's `{"address": {…}, …}` — that
/// answers nil for anything else, so the caller falls back to `JSONDecoder`.
///
/// Everything it accepts decodes through `JSONDecoder` to the same values:
/// - strings of valid UTF-8 with no raw control character (U+0000-U+001F), whose escapes are JSON's eight
///   (`\" \\ \/ \b \f \n \r \t`) and `\uXXXX`, a high surrogate only right before its low one;
/// - numbers only `0` or up to nine digits without a leading zero or sign;
/// - JSON's four blanks between tokens, every key once per object, nothing after the object.
///
/// Keys and values outside that — fractions, exponents, signs, deeper nesting, arrays, `null`, `true`, duplicates,
/// a lone surrogate, an unknown escape, bytes that are not UTF-8 — are left to the decoder, which also gives the 400
/// for anything malformed.
enum FlatJSONObject {
    /// A value the reader accepts.
    enum Value: Equatable {
        case string(String)
        case integer(Int)
        /// An object inside the outer one; its own values are strings and numbers only.
        case object([Member])
    }

    /// One member of an object, in the order the body gave it.
    struct Member: Equatable {
        let key: String
        let value: Value
    }

    /// The object's members in order, or nil when the body is not such an object or any of its objects has more than
    /// `limit` members. The limit keeps the reader linear: each key is compared with the ones before it in its object,
    /// so a megabyte of distinct keys would otherwise cost a core for seconds before any check of the request; the
    /// reader gives up at member `limit + 1` and the decoder (linear) reads the body.
    static func members(of buffer: ByteBuffer, limit: Int) -> [Member]? {
        buffer.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes, limit: limit)
            return reader.body()
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let limit: Int
        var index = 0

        init(bytes: UnsafeRawBufferPointer, limit: Int) {
            self.bytes = bytes
            self.limit = limit
        }

        mutating func body() -> [Member]? {
            guard let members = object(nested: false) else { return nil }
            skipBlanks()
            return index == bytes.count ? members : nil
        }

        mutating func skipBlanks() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipBlanks()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// An object's members; `nested` objects hold strings and numbers only.
        mutating func object(nested: Bool) -> [Member]? {
            guard take(0x7B) else { return nil }
            var members: [Member] = []
            if take(0x7D) { return members }
            repeat {
                guard members.count < limit, let key = string(), take(0x3A), !members.contains(where: { $0.key == key }) else { return nil }
                skipBlanks()
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case 0x22:
                    guard let text = string() else { return nil }
                    members.append(Member(key: key, value: .string(text)))
                case 0x7B:
                    guard !nested, let inner = object(nested: true) else { return nil }
                    members.append(Member(key: key, value: .object(inner)))
                default:
                    guard let number = integer() else { return nil }
                    members.append(Member(key: key, value: .integer(number)))
                }
            } while take(0x2C)
            return take(0x7D) ? members : nil
        }

        /// A string; its bytes are taken as they are when it has no escape, else decoded into a copy.
        mutating func string() -> String? {
            guard take(0x22) else { return nil }
            let start = index
            var escaped = false
            while index < bytes.count, bytes[index] != 0x22 {
                guard bytes[index] >= 0x20 else { return nil }
                if bytes[index] == 0x5C {
                    escaped = true
                    index += 1  // the escaped byte (a quote among them) is judged by `unescaped`
                }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            index += 1
            guard escaped else { return String(validating: raw, as: UTF8.self) }
            guard let decoded = Self.unescaped(raw) else { return nil }
            return String(validating: decoded, as: UTF8.self)
        }

        /// The bytes of a string's inside with its escapes decoded, or nil for an escape the reader leaves to the decoder.
        static func unescaped(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var index = 0
            while index < raw.count {
                let byte = raw[index]
                index += 1
                guard byte == 0x5C else {
                    out.append(byte)
                    continue
                }
                guard index < raw.count else { return nil }
                let escape = raw[index]
                index += 1
                switch escape {
                case 0x22, 0x5C, 0x2F: out.append(escape)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard let unit = hex4(raw, at: index) else { return nil }
                    index += 4
                    var scalar = UInt32(unit)
                    if (0xD800...0xDBFF).contains(unit) {
                        // A high surrogate counts only with its low one right after it.
                        guard index + 1 < raw.count, raw[index] == 0x5C, raw[index + 1] == 0x75, let low = hex4(raw, at: index + 2),
                            (0xDC00...0xDFFF).contains(low)
                        else { return nil }
                        index += 6
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        return nil
                    }
                    guard let character = Unicode.Scalar(scalar), let encoded = UTF8.encode(character) else { return nil }
                    out.append(contentsOf: encoded)
                default: return nil
                }
            }
            return out
        }

        /// Four hex digits at `index`, or nil.
        static func hex4(_ raw: UnsafeRawBufferPointer, at index: Int) -> UInt16? {
            guard index + 4 <= raw.count else { return nil }
            var value: UInt16 = 0
            for offset in 0..<4 {
                let byte = raw[index + offset]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
            }
            return value
        }

        mutating func integer() -> Int? {
            let start = index
            var value = 0
            while index < bytes.count, index - start < 10, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            let digits = index - start
            guard digits >= 1, digits <= 9, digits == 1 || bytes[start] != 0x30 else { return nil }
            // A number must end here: `1.5`, `1e3` or `12x` are the decoder's to judge.
            guard index == bytes.count || [0x20, 0x0A, 0x0D, 0x09, 0x2C, 0x7D].contains(bytes[index]) else { return nil }
            return value
        }
    }
}
