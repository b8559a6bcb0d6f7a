import NIOCore

/// A reader for the simplest JSON request bodies — one object whose values are plain ASCII strings or small whole
/// numbers, like `{"productId": "…", "quantity": 1}` — that answers nil for anything else, so the caller falls back
/// to `JSONDecoder`.
///
/// Everything it accepts decodes through `JSONDecoder` to the same values: strings only of printable ASCII without
/// escapes (no `\`, no control characters), numbers only `0` or up to nine digits without a leading zero or sign, JSON's
/// four blanks between tokens, every key once, nothing after the object. Keys and values outside that — escapes,
/// non-ASCII text, fractions, exponents, signs, nested values, `null`, `true`, duplicates — are left to the decoder,
/// which also gives the 400 for anything malformed.
enum FlatJSONObject {
    /// A value the reader accepts.
    enum Value: Equatable {
        case string(String)
        case integer(Int)
    }

    /// The object's members in order, or nil when the body is not such an object or has more than `limit` members.
    /// The limit keeps the reader linear: each key is compared with the ones before it, so a megabyte of distinct keys
    /// would otherwise cost a core for seconds before any check of the request; the reader gives up at member
    /// `limit + 1` and the decoder (linear) reads the body.
    static func members(of buffer: ByteBuffer, limit: Int) -> [(key: String, value: Value)]? {
        buffer.withUnsafeReadableBytes { bytes in members(of: bytes, limit: limit) }
    }

    static func members(of bytes: UnsafeRawBufferPointer, limit: Int) -> [(key: String, value: Value)]? {
        var index = 0
        func skipBlanks() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }
        func take(_ byte: UInt8) -> Bool {
            skipBlanks()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> String? {
            guard take(0x22) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != 0x22 {
                guard bytes[index] >= 0x20, bytes[index] < 0x7F, bytes[index] != 0x5C else { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            index += 1
            return text
        }
        func integer() -> Int? {
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

        guard take(0x7B) else { return nil }
        var members: [(key: String, value: Value)] = []
        if !take(0x7D) {
            repeat {
                guard members.count < limit, let key = string(), take(0x3A), !members.contains(where: { $0.key == key }) else { return nil }
                skipBlanks()
                guard index < bytes.count else { return nil }
                if bytes[index] == 0x22 {
                    guard let text = string() else { return nil }
                    members.append((key, .string(text)))
                } else {
                    guard let number = integer() else { return nil }
                    members.append((key, .integer(number)))
                }
            } while take(0x2C)
            guard take(0x7D) else { return nil }
        }
        skipBlanks()
        return index == bytes.count ? members : nil
    }
}
