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
