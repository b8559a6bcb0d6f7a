import Foundation
import GRDB
import Testing

@testable import Storage

/// `DatabaseTimestamp` writes exactly GRDB's stored form of a date, byte for byte: the queue compares its dates as text, and
/// rows written before and after compare, sort and parse alike.
@Suite struct DatabaseTimestampTests {
    @Test func itWritesWhatGRDBWritesForEveryKindOfDate() {
        var generator = SystemRandomNumberGenerator()
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_107_542_399.9995),
            Date(timeIntervalSince1970: 1_700_000_000.9999999), Date(timeIntervalSince1970: 1_700_000_000.001), Date(timeIntervalSince1970: -0.001),
            Date(timeIntervalSince1970: 253_402_300_799.999), Date(timeIntervalSince1970: 253_402_300_800), Date(), Date.distantPast,
        ]
        for _ in 0..<20_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_200_000_000, using: &generator))) }
        // Whole and half milliseconds and just below them, where truncating and rounding differ.
        for _ in 0..<5_000 {
            let milliseconds = Double(Int64.random(in: 0..<4_200_000_000_000, using: &generator))
            dates.append(Date(timeIntervalSince1970: milliseconds / 1000))
            dates.append(Date(timeIntervalSince1970: milliseconds / 1000 - 0.000_000_1))
            dates.append(Date(timeIntervalSince1970: (milliseconds + 0.5) / 1000))
            dates.append(Date(timeIntervalSince1970: (milliseconds + 0.5) / 1000 - 0.000_000_1))
        }
        let mismatches = dates.filter { DatabaseTimestamp.value($0) != $0.databaseValue }
        let shown = mismatches.prefix(3).map { "\($0.timeIntervalSince1970): \(DatabaseTimestamp.value($0)) vs \($0.databaseValue)" }
        #expect(mismatches.count == 0, "\(shown)")
    }

    private func expectSameAsGRDB(_ date: Date, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(DatabaseTimestamp.value(date) == date.databaseValue, "\(date.timeIntervalSinceReferenceDate)", sourceLocation: sourceLocation)
    }

    /// Random instants over the whole four-digit range, with random sub-millisecond parts (how `.SSS` rounds).
    @Test func randomInstantsMatchGRDB() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let seconds = Double.random(in: 0...253_402_300_799.999, using: &generator)
            expectSameAsGRDB(Date(timeIntervalSince1970: seconds))
        }
        for _ in 0..<20_000 {  // around now, where the shop's dates are
            expectSameAsGRDB(Date(timeIntervalSinceNow: Double.random(in: -1e8...1e8, using: &generator)))
        }
    }

    /// Leap days (also 2000, a leap year, and 2100, not one), year and month ends, and instants just beside a millisecond
    /// boundary, where a rounding formatter and a truncating one part.
    @Test func calendarEdgesAndMillisecondBoundariesMatchGRDB() throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(secondsFromGMT: 0))
        let days = [
            (1970, 1, 1), (1972, 2, 29), (1999, 12, 31), (2000, 2, 29), (2000, 3, 1), (2024, 2, 29), (2026, 11, 30),
            (2100, 2, 28), (2100, 3, 1), (2400, 2, 29), (9999, 12, 31),
        ]
        for (year, month, day) in days {
            let midnight = try #require(utc.date(from: DateComponents(year: year, month: month, day: day)))
            for offset in [0, 0.0004, 0.0005, 0.0009999, 0.001, 0.999, 0.9995, 0.99999, 59.9999, 3599.9995, 86_399.999, 86_399.9999] {
                expectSameAsGRDB(midnight.addingTimeInterval(offset))
                expectSameAsGRDB(midnight.addingTimeInterval(-offset))
            }
        }
        for millis in stride(from: 1_764_460_800_000, to: 1_764_460_800_000 + 5_000, by: 1) {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            expectSameAsGRDB(date)
            expectSameAsGRDB(date.addingTimeInterval(0.0000001))
            expectSameAsGRDB(date.addingTimeInterval(-0.0000001))
        }
    }

    /// Outside 1970-9999 the text is GRDB's own (its formatter), never a guess.
    @Test func datesOutsideTheFastRangeAreGRDBsOwn() {
        for seconds in [-1.0, -0.0005, -86_400 * 365.25 * 500, 253_402_300_800, 1e13] {
            expectSameAsGRDB(Date(timeIntervalSince1970: seconds))
        }
    }
}
