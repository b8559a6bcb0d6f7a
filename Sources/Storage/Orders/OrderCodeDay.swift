import Foundation
import Synchronization

/// The shop's day (Asia/Ho_Chi_Minh) as `yyyyMMdd`, for order codes. A `DateFormatter` is built only when the
/// day changes: checkout used to build one per order, and that showed in its profile (ICU set-up per call).
final class OrderCodeDay: Sendable {
    private struct Cached {
        let interval: DateInterval
        let text: String
    }

    private let cached = Mutex<Cached?>(nil)

    /// The day `moment` falls on in the shop's time zone, e.g. `20261130`.
    func text(for moment: Date) -> String {
        if let hit = cached.withLock({ $0.flatMap { $0.interval.start <= moment && moment < $0.interval.end ? $0.text : nil } }) {
            return hit
        }
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.dateFormat = "yyyyMMdd"
        let text = formatter.string(from: moment)
        if let interval = calendar.dateInterval(of: .day, for: moment) {
            cached.withLock { $0 = Cached(interval: interval, text: text) }
        }
        return text
    }
}
