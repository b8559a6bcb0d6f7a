import Foundation
import GRDB

/// The `job` table's dates since `v19_jobs_integer_dates`: whole milliseconds since 1970, as integers. A date as GRDB's text
/// took 24 bytes of the row (three of them in every new job) and of the `job_claim` key; an integer takes 6. Every statement
/// that writes a date of the table binds ``value(_:)``, and ``Job`` encodes and decodes its dates the same way; the table's
/// `CHECK`s refuse any other form (a text date would sort after every number and never be claimed).
enum JobTime {
    /// `date` to the nearest millisecond since 1970 (dates beyond ±292 million years, or not finite, clamp to the extremes).
    static func millis(_ date: Date) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        if let exact = Int64(exactly: millis) { return exact }
        return millis < 0 ? .min : .max
    }

    static func value(_ date: Date) -> DatabaseValue {
        millis(date).databaseValue
    }

    /// The date a stored value stands for (GRDB's `.millisecondsSince1970` reads the same).
    static func date(millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
