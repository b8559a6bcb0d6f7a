import Foundation

/// A UUID string whose first 48 bits are the Unix time in milliseconds (RFC 9562 version 7) and whose other 74 bits are
/// random: ids made in a later millisecond sort after earlier ones, as text too (lowercase hex, fixed width).
///
/// A table keyed by such ids adds each new row at the end of its primary-key index, on a page the rows before it already
/// dirtied; random (version 4) ids put every new row on a page of its own: one more page for each commit to write to the
/// WAL. 74 random bits keep an id as hard to guess as a version 4 one is for the uses it has here.
public enum TimeOrderedID {
    /// The last millisecond 48 bits hold (in the year 10889).
    static let maxMillis: UInt64 = 0xFFFF_FFFF_FFFF

    /// An id for something made at `date`.
    public static func make(at date: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, using: &generator)
    }

    /// An id for `date`, its random bits drawn from `generator`. A date before 1970 counts as 1970 and one past
    /// ``maxMillis`` as that: the id is still a valid UUID, as unique, only its place in the order is off.
    static func make(at date: Date, using generator: inout some RandomNumberGenerator) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        let time: UInt64 = !(millis > 0) ? 0 : millis >= Double(maxMillis) ? maxMillis : UInt64(millis)
        let high = time << 16 | 0x7000 | generator.next() & 0x0FFF
        let low = 0x8000_0000_0000_0000 | generator.next() & 0x3FFF_FFFF_FFFF_FFFF
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var offset = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[offset] = UInt8(ascii: "-")
                    offset += 1
                }
                let value = UInt8(truncatingIfNeeded: (nibble < 16 ? high : low) >> UInt64(60 - 4 * (nibble & 15))) & 0xF
                buffer[offset] = value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
                offset += 1
            }
            return offset
        }
    }
}
