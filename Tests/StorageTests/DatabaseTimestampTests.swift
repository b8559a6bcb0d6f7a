import Foundation
import GRDB
import Testing

@testable import Storage

/// `DatabaseTimestamp` writes exactly GRDB's stored form of a date (the queue compares its dates as text).
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
}
