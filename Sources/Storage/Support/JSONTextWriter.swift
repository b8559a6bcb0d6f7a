import Foundation
import NIOCore

/// JSON written value by value into a buffer, for the answers and fingerprints a hot path writes for every request: byte
/// for byte what Foundation's `JSONEncoder` writes for the same value with `.sortedKeys` and the `.iso8601` date strategy
/// (slashes escaped or not, as that encoder was told), provided the caller names each object's keys in ascending byte
/// order and leaves out a nil optional, as a synthesized `Encodable` conformance does with `encodeIfPresent`.
///
/// Every user is pinned by a property test against the encoder it stands in for (`OrderJSONTests`,
/// `CheckoutFingerprintTests`).
public struct JSONTextWriter {
    public private(set) var buffer: ByteBuffer
    private let escapingSlashes: Bool
    private var needsComma = false
    /// Set when a date fell outside what ``date(_:)`` writes (before 1970, or after 9999): the caller must encode the
    /// value with the encoder instead (which writes such dates by its own calendar).
    public private(set) var failed = false

    public init(escapingSlashes: Bool, capacity: Int = 512) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
        self.escapingSlashes = escapingSlashes
    }

    public mutating func beginObject() {
        separate()
        buffer.writeStaticString("{")
        needsComma = false
    }

    public mutating func endObject() {
        buffer.writeStaticString("}")
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        buffer.writeStaticString("[")
        needsComma = false
    }

    public mutating func endArray() {
        buffer.writeStaticString("]")
        needsComma = true
    }

    /// An object's key: plain ASCII with nothing to escape (a Swift property's name), written as it is.
    public mutating func key(_ name: StaticString) {
        separate()
        buffer.writeStaticString("\"")
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        FlatJSONWriter.string(value, escapingSlashes: escapingSlashes, into: &buffer)
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        buffer.writeString(String(value))
        needsComma = true
    }

    /// `"yyyy-MM-ddTHH:mm:ssZ"` in UTC: the instant's whole seconds, its fraction dropped, as the `.iso8601` strategy
    /// writes it. Instants before 1970 or past 9999 set ``failed`` instead.
    public mutating func date(_ value: Date) {
        separate()
        needsComma = true
        // The whole seconds since 2001, as the encoder counts them (rounding after moving to 1970 reads a date a hair
        // before a second as that second).
        let seconds = value.timeIntervalSinceReferenceDate.rounded(.down) + 978_307_200
        guard seconds >= 0, seconds <= Self.lastSecond else {
            failed = true
            buffer.writeStaticString("null")
            return
        }
        let (days, secondOfDay) = Int(seconds).quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = CivilDate.of(daysSince1970: days)
        buffer.writeStaticString("\"")
        digits(year, 4)
        buffer.writeStaticString("-")
        digits(month, 2)
        buffer.writeStaticString("-")
        digits(day, 2)
        buffer.writeStaticString("T")
        digits(secondOfDay / 3600, 2)
        buffer.writeStaticString(":")
        digits(secondOfDay / 60 % 60, 2)
        buffer.writeStaticString(":")
        digits(secondOfDay % 60, 2)
        buffer.writeStaticString("Z\"")
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        int(value)
    }

    public mutating func field(_ name: StaticString, _ value: Date) {
        key(name)
        date(value)
    }

    /// The key and its value, or nothing at all when the value is nil.
    public mutating func field(_ name: StaticString, ifPresent value: String?) {
        guard let value else { return }
        field(name, value)
    }

    /// 9999-12-31T23:59:59Z, the last second with a four-digit year.
    private static let lastSecond: Double = 253_402_300_799

    private mutating func separate() {
        if needsComma { buffer.writeStaticString(",") }
    }

    /// `value` (0 or more) in exactly `count` decimal digits, zero-padded.
    private mutating func digits(_ value: Int, _ count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor &*= 10 }
        var rest = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: 48 + rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
