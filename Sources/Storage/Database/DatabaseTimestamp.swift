import Foundation
import GRDB

/// A date in the text form GRDB stores (`yyyy-MM-dd HH:mm:ss.SSS`, UTC, to the nearest millisecond), written with integer
/// arithmetic. GRDB's own `Date.databaseValue` goes through a shared `DateFormatter` (ICU): 9 % of the CPU of
/// single-job enqueues. Same string for every date from 1970 to 9999 (pinned against GRDB's by
/// `DatabaseTimestampTests`); outside that range it asks GRDB.
enum DatabaseTimestamp {
    /// Milliseconds since 1970 of 10000-01-01 00:00:00 UTC.
    private static let end: Int64 = 253_402_300_800_000

    static func value(_ date: Date) -> DatabaseValue {
        // The same arithmetic as CoreFoundation's formatter: UDate = (reference interval + 978307200) × 1000 + 0.5, which
        // ICU floors to whole milliseconds (so to the nearest millisecond).
        let milliseconds = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        guard milliseconds >= 0, milliseconds < Double(end) else { return date.databaseValue }
        let total = Int64(milliseconds)
        let days = total / 86_400_000
        let inDay = total % 86_400_000
        let (year, month, day) = civil(daysSince1970: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        append(year, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(month, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(day, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        append(inDay / 3_600_000, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(inDay / 60_000 % 60, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(inDay / 1000 % 60, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        append(inDay % 1000, digits: 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self).databaseValue
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func append(_ value: Int64, digits: Int, to bytes: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
