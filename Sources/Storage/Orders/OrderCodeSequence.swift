import GRDB
import Synchronization

/// The day's next order code, `KL-yyyyMMdd-NNNN`: one more than the number of the day's codes so far. A day's codes are
/// always 0001…N (each order takes N + 1 inside its transaction, and orders are never deleted).
///
/// Counting the day's codes walks every one of them (a range over the `code` index): 8.8 % of checkout's profile with
/// 5,000 orders in the day, and growing with the day. So the process remembers the last code it gave, and inside the
/// transaction two lookups confirm that it is still the day's last (it exists, the one after it does not): then the count
/// is its sequence. Any other answer — another process's order, a rolled-back one, a new day — counts as before; cluster
/// mode (several writers of the file) always counts.
final class OrderCodeSequence: Sendable {
    private let last = Mutex<(day: String, sequence: Int)?>(nil)

    /// The code of the next order of `day` (`yyyyMMdd`), inside the caller's write transaction. `remembers` is false in
    /// cluster mode: then the day's codes are counted each time.
    func next(_ db: Database, day: String, remembers: Bool) throws -> String {
        var count: Int?
        if remembers, let hint = last.withLock({ $0 }), hint.day == day,
            try OrderStore.isLastCode(db, Self.code(day: day, sequence: hint.sequence), next: Self.code(day: day, sequence: hint.sequence + 1))
        {
            count = hint.sequence
        }
        let sequence = try (count ?? OrderStore.count(db, codePrefix: "KL-\(day)-")) + 1
        if remembers { last.withLock { $0 = (day, sequence) } }
        return Self.code(day: day, sequence: sequence)
    }

    /// `KL-` day `-` the sequence in at least four digits: what `String(format: "KL-%@-%04d", day, sequence)` writes.
    static func code(day: String, sequence: Int) -> String {
        let digits = String(sequence)
        return "KL-" + day + "-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
