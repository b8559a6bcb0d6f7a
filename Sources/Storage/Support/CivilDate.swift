/// A day count since 1970-01-01 as a date of the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`),
/// for the dates written by hand without `DateFormatter`: the database's text (``DatabaseTimestamp``) and an email's
/// `Date:` header (``MailDate``).
enum CivilDate {
    /// Year, month (1-12) and day (1-31) of `days` since 1970-01-01; days before it are negative.
    static func of(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
