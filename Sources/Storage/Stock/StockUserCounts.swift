import Synchronization

/// Per user, the units of one ledger item they hold or bought: one atomic count per user, found without a lock.
///
/// A user's count is changed by compare-and-swap, checked against the limit (or against zero) in the same step, so it can
/// never pass the limit nor go below zero. The counts live in a ``ReadMostlyTable``: a user seen before is found by a
/// lock-free probe; only a user's first count is added under the table's lock, where a second caller adding the same user
/// at the same moment finds the first one's count (one count per user). A user id is hashed once per call
/// (``UserIDHash``, with this item's seed) and compared by content, never copied.
final class StockUserCounts: Sendable {
    /// One user's count: the id and its hash, fixed when the user is first counted, and the units.
    final class Count: ReadMostlyEntry {
        let id: String
        let tableHash: Int
        let units: Atomic<Int>

        init(id: String, hash: Int, units: Int) {
            self.id = id
            self.tableHash = hash
            self.units = Atomic(units)
        }

        /// Adds `units` unless the count would pass `limit`; true when added.
        func add(_ units: Int, upTo limit: Int) -> Bool { change(by: units, upTo: limit) }

        /// Takes `units` away unless the count is smaller; true when taken.
        func subtract(_ units: Int) -> Bool { change(by: -units, upTo: .max) }

        /// Moves the count by `delta` in one compare-and-swap unless it would pass `limit` or go below zero (the count is
        /// never negative and callers' units are positive, so neither check can overflow).
        private func change(by delta: Int, upTo limit: Int) -> Bool {
            var current = units.load(ordering: .relaxed)
            while true {
                guard delta <= limit - current, current + delta >= 0 else { return false }
                let (exchanged, original) = units.compareExchange(
                    expected: current,
                    desired: current + delta,
                    ordering: .acquiringAndReleasing
                )
                if exchanged { return true }
                current = original
            }
        }
    }

    private let table = ReadMostlyTable<Count>()
    /// This item's seed for ``UserIDHash``: every count of this item is hashed with it.
    private let seed: UInt64

    init(_ counts: [String: Int]) {
        let seed = UserIDHash.newSeed()
        self.seed = seed
        let loaded = counts.filter { $0.value != 0 }.map { Count(id: $0.key, hash: UserIDHash.of($0.key, seed: seed), units: $0.value) }
        if !loaded.isEmpty { table.replaceAll(with: loaded) { $0.id == $1.id } }
    }

    /// Adds `units` unless the user's count would pass `limit`; true when added.
    func add(_ units: Int, for id: String, upTo limit: Int) -> Bool {
        let hash = UserIDHash.of(id, seed: seed)
        if let count = table.find(hash, { $0.id == id }) {
            return count._withUnsafeGuaranteedRef { $0.add(units, upTo: limit) }
        }
        // A user's first units (or a user added while the lookup ran): their count is made under the table's lock.
        guard units <= limit else { return false }
        let count = table.findOrAdd(hash, { $0.id == id }) { Count(id: id, hash: hash, units: 0) }
        return count._withUnsafeGuaranteedRef { $0.add(units, upTo: limit) }
    }

    /// Takes `units` away unless the user counts fewer; true when taken (false: they never held that many, nothing changes).
    @discardableResult
    func subtract(_ units: Int, for id: String) -> Bool {
        guard let count = find(id) else { return false }
        return count._withUnsafeGuaranteedRef { $0.subtract(units) }
    }

    func count(for id: String) -> Int {
        find(id)?._withUnsafeGuaranteedRef { $0.units.load(ordering: .acquiring) } ?? 0
    }

    /// The user's count; a miss is looked up again under the table's lock, so a count being added meanwhile is found.
    private func find(_ id: String) -> Unmanaged<Count>? {
        let hash = UserIDHash.of(id, seed: seed)
        return table.find(hash, { $0.id == id }) ?? table.findUnderLock(hash, { $0.id == id })
    }
}
