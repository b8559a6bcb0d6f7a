import Foundation
import GRDB

/// A date as GRDB stores it (`Date.databaseValue`: `yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond), written
/// by hand: GRDB's `DateFormatter` goes through ICU (a calendar, fields, a pattern walk) for every date of every row,
/// which showed as 7 % of the reservation writer's profile and 9 % of single-job enqueues. The text is byte-identical to
/// GRDB's, so rows written either way compare and sort alike as text (pinned by `DatabaseTimestampTests` over many instants): the same milliseconds, computed from the same double as
/// Foundation hands ICU (`(timeIntervalSinceReferenceDate + 978307200) * 1000 + 0.5`, which ICU floors). Dates outside 1970-9999 —
/// where ICU's calendar switches to Julian before 1582, or the year needs more digits — go to GRDB's own formatter.
enum DatabaseTimestamp {
    /// Milliseconds of 9999-12-31 23:59:59.999 UTC since 1970, the last instant with a four-digit year.
    private static let lastMillis: Double = 253_402_300_799_999

    static func value(_ date: Date) -> DatabaseValue {
        let millis = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        guard millis >= 0, millis <= lastMillis else { return date.databaseValue }
        return text(millis: Int(millis)).databaseValue
    }

    /// The date of a stored value, as GRDB's `Date.fromDatabaseValue` reads it; the text this type writes
    /// (`yyyy-MM-dd HH:mm:ss.SSS`, years 2001-9999) is read by hand — GRDB builds `DateComponents` and asks a calendar,
    /// which showed as a third of decoding a claimed job — and anything else (NULL, other forms, numbers) goes to GRDB.
    static func date(_ value: DatabaseValue) -> Date? {
        // From 2001 on (Foundation's reference date; before it GRDB's double can differ in the last bit): the same double
        // as GRDB's, whole seconds since 2001 plus the fraction as nanoseconds / 1e9.
        guard case .string(let text) = value.storage, let millis = millis(text), millis >= 978_307_200_000 else {
            return Date.fromDatabaseValue(value)
        }
        let (seconds, milli) = (millis - 978_307_200_000).quotientAndRemainder(dividingBy: 1000)
        return Date(timeIntervalSinceReferenceDate: Double(seconds) + Double(milli) * 1_000_000 / 1e9)
    }

    /// Milliseconds since 1970 of exactly `yyyy-MM-dd HH:mm:ss.SSS` with a year 1970-9999 and fields in range; nil otherwise.
    private static func millis(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { bytes -> Int? in
            guard bytes.count == 23, bytes[4] == 45, bytes[7] == 45, bytes[10] == 32, bytes[13] == 58, bytes[16] == 58, bytes[19] == 46
            else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int? {
                var value = 0
                for index in offset..<(offset + digits) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), let milli = number(20, 3),
                year >= 1970, (1...12).contains(month), (1...28).contains(day) || day <= daysIn(month: month, year: year),
                day >= 1, hour < 24, minute < 60, second < 60
            else { return nil }
            let days = CivilDate.days(year: year, month: month, day: day)
            return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `millis` since 1970 (0 through ``lastMillis``) as `yyyy-MM-dd HH:mm:ss.SSS`.
    private static func text(millis: Int) -> String {
        let (days, millisOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = CivilDate.of(daysSince1970: days)
        let (seconds, milli) = millisOfDay.quotientAndRemainder(dividingBy: 1000)
        return String(unsafeUninitializedCapacity: 23) { buffer in
            func put(_ value: Int, digits: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                }
            }
            put(year, digits: 4, at: 0)
            buffer[4] = 45  // -
            put(month, digits: 2, at: 5)
            buffer[7] = 45
            put(day, digits: 2, at: 8)
            buffer[10] = 32  // space
            put(seconds / 3600, digits: 2, at: 11)
            buffer[13] = 58  // :
            put(seconds / 60 % 60, digits: 2, at: 14)
            buffer[16] = 58
            put(seconds % 60, digits: 2, at: 17)
            buffer[19] = 46  // .
            put(milli, digits: 3, at: 20)
            return 23
        }
    }
}
