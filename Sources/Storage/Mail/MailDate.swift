import Foundation

/// The `Date:` header of an email (RFC 5322 §3.3, always in UTC): `Mon, 30 Nov 2026 17:29:02 +0000`.
///
/// Written by hand: a `DateFormatter` per message cost more than the rest of the header block (ICU set-up), and
/// one shared formatter would need a lock. The output is exactly what `DateFormatter` gives for the pattern
/// `EEE, dd MMM yyyy HH:mm:ss Z` in `en_US_POSIX`/UTC, rounding to the millisecond as it does (pinned by
/// `MailRenderingTests`); years outside 1583...9999 (Julian, or written by ICU with eras or more digits) still go
/// through that formatter.
enum MailDate {
    static let pattern = "EEE, dd MMM yyyy HH:mm:ss Z"
    private static let weekdays: [StaticString] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Appends the header value for `date` to `out`.
    static func append(_ date: Date, to out: inout [UInt8]) {
        // The instant in whole milliseconds as Foundation hands it to ICU (+0.5 ms, then floored): 12:00:00.9996 is
        // 12:00:01 for the formatter, so it is here too.
        let millis = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        // ±250,000,000,000 s bounds years 1...9999 with room to spare; anything else is not a shop's clock.
        guard millis.isFinite, abs(millis) < 250_000_000_000_000 else { return appendFormatted(date, to: &out) }
        let totalMillis = Int(millis)
        let total = totalMillis >= 0 ? totalMillis / 1000 : (totalMillis - 999) / 1000
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let (year, month, day) = CivilDate.of(daysSince1970: days)
        // Before 1583 ICU's calendar is Julian (the Gregorian reform of October 1582): those dates are its own.
        guard (1583...9999).contains(year) else { return appendFormatted(date, to: &out) }
        append(weekdays[((days % 7) + 7) % 7], to: &out)
        out.append(contentsOf: [0x2C, 0x20])  // ", "
        appendDigits(day, count: 2, to: &out)
        out.append(0x20)
        append(months[month - 1], to: &out)
        out.append(0x20)
        appendDigits(year, count: 4, to: &out)
        out.append(0x20)
        appendDigits(secondOfDay / 3_600, count: 2, to: &out)
        out.append(0x3A)
        appendDigits(secondOfDay / 60 % 60, count: 2, to: &out)
        out.append(0x3A)
        appendDigits(secondOfDay % 60, count: 2, to: &out)
        out.append(contentsOf: Array(" +0000".utf8))
    }

    /// The header value as a string.
    static func string(_ date: Date) -> String {
        var out: [UInt8] = []
        append(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(0x30 + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// The formatter's answer, for dates outside the years written by hand.
    private static func appendFormatted(_ date: Date, to out: inout [UInt8]) {
        out.append(contentsOf: Array(formatter().string(from: date).utf8))
    }

    /// A formatter for ``pattern`` (for the rare dates written by ICU, and for tests comparing against it).
    static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter
    }
}
