import Synchronization

/// Per user, the units of one ledger item they hold or bought, in a few small shards of plain counts behind short locks.
///
/// A user's count is read, checked against the limit and changed in one step under its shard's lock, so the count can never
/// pass the limit nor go below zero. A user id is hashed once per call, to a word that picks the shard and is the
/// dictionary's whole hash (``Key``): the dictionary never hashes the id string again.
final class StockUserCounts: @unchecked Sendable {
    /// The shard count, a power of two: more than the cores this runs on, so two buyers rarely wait on one lock.
    static let shardCount = 16

    /// A user id with its hash, computed once.
    struct Key: Hashable {
        let id: String
        let hash: Int

        init(_ id: String, seed: UInt64) {
            self.id = id
            self.hash = UserIDHash.of(id, seed: seed)
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        /// The dictionary's hash, straight from ``UserIDHash`` (no `Hasher` pass per lookup).
        func _rawHashValue(seed: Int) -> Int { hash ^ seed }

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.hash == rhs.hash && lhs.id == rhs.id }
    }

    /// One shard: its users' counts behind its lock.
    typealias Shard = Mutex<[Key: Int]>

    /// The ``shardCount`` shards side by side in one allocation, made in `init` and freed in `deinit`: reaching a shard
    /// is pointer arithmetic, with no retain and release of a shard object on every call (an array of objects cost
    /// two atomic steps per call). The pointer never changes and every shard is a lock, hence `@unchecked Sendable`.
    private let shards: UnsafeMutablePointer<Shard>
    /// This item's seed for ``UserIDHash``: every key of its shards is hashed with it.
    private let seed: UInt64

    init(_ counts: [String: Int]) {
        let seed = UserIDHash.newSeed()
        self.seed = seed
        var parts = [[Key: Int]](repeating: [:], count: Self.shardCount)
        for (id, units) in counts where units != 0 {
            let key = Key(id, seed: seed)
            parts[Self.shard(key)][key] = units
        }
        shards = .allocate(capacity: Self.shardCount)
        for (index, part) in parts.enumerated() { (shards + index).initialize(to: Shard(part)) }
    }

    deinit {
        shards.deinitialize(count: Self.shardCount)
        shards.deallocate()
    }

    /// The shard, from the hash's top bits: a shard's dictionary picks its buckets from the low bits (`_rawHashValue`),
    /// which must then still differ between the keys of one shard, or every key of a shard would probe from one bucket.
    private static func shard(_ key: Key) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: key.hash) >> UInt(UInt.bitWidth - shardCount.trailingZeroBitCount))
    }

    /// Adds `units` unless the user's count would pass `limit`; true when added.
    func add(_ units: Int, for id: String, upTo limit: Int) -> Bool {
        let key = Key(id, seed: seed)
        return shards[Self.shard(key)].withLock { counts in
            // One probe for a user seen before: the count is changed in place at the index found.
            guard let index = counts.index(forKey: key) else {
                guard units <= limit else { return false }
                counts[key] = units
                return true
            }
            let current = counts.values[index]
            guard units <= limit - current else { return false }
            counts.values[index] = current + units
            return true
        }
    }

    /// Takes `units` away unless the user counts fewer; true when taken (false: they never held that many, nothing changes).
    @discardableResult
    func subtract(_ units: Int, for id: String) -> Bool {
        let key = Key(id, seed: seed)
        return shards[Self.shard(key)].withLock { counts in
            guard let index = counts.index(forKey: key) else { return false }
            let current = counts.values[index]
            guard current >= units else { return false }
            counts.values[index] = current - units
            return true
        }
    }

    func count(for id: String) -> Int {
        let key = Key(id, seed: seed)
        return shards[Self.shard(key)].withLock { $0[key, default: 0] }
    }
}
