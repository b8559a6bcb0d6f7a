import Synchronization

/// An entry of a ``ReadMostlyTable``: an object whose hash and identity never change once it is in a table.
protocol ReadMostlyEntry: AnyObject, Sendable {
    /// The entry's hash, computed once; the table picks buckets from its low bits.
    var tableHash: Int { get }
}

/// A hash table of objects found without a lock and changed under one: the in-memory ledger's items and, per item, its
/// users' counts, which every take and release looks up and which change only when a sale is loaded or changed and when
/// a user takes an item for the first time.
///
/// A lookup loads the current slot array (one atomic pointer) and probes it (linear probing, never more than half full,
/// so a probe always ends at an empty slot): no lock, no retain, nothing written — where a `Mutex` costs two
/// read-modify-writes and two thread-id reads per lookup. Inserts and replacements happen under one lock: an entry is
/// published by storing its reference into an empty slot, a replacement by overwriting its slot, a growth by filling a
/// bigger array and then publishing it. A lookup that misses may have raced an insert or a growth: callers that must
/// tell "absent" from "not yet seen" look again with ``findUnderLock(_:_:)``.
///
/// Nothing the table ever held is freed before the table: every entry it was given and every slot array it replaced stay
/// in `kept`, so a lookup that loaded an array or found an entry just before a change never touches freed memory.
/// Arrays replaced by growth add up to less than the current one (each is at most half its successor); an array that
/// ``replaceAll(with:_:)`` replaces is kept as well, whatever its size (only start-up loads call it: the ledger's and
/// ``StockUserCounts``' initialiser).
final class ReadMostlyTable<Entry: ReadMostlyEntry>: @unchecked Sendable {
    /// One slot array: a power-of-two count of atomic entry references, nil where empty. Its pointer never changes and
    /// every slot is an atomic; the writing calls are made under the table's lock only, hence `@unchecked Sendable`.
    final class Slots: @unchecked Sendable {
        let mask: Int
        private let slots: UnsafeMutablePointer<Atomic<Unmanaged<Entry>?>>

        init(capacity: Int) {
            mask = capacity - 1
            slots = .allocate(capacity: capacity)
            for index in 0..<capacity { (slots + index).initialize(to: Atomic(nil)) }
        }

        deinit {
            slots.deinitialize(count: mask + 1)
            slots.deallocate()
        }

        @inline(__always)
        func find(_ hash: Int, _ matches: (Entry) -> Bool) -> Unmanaged<Entry>? {
            var index = hash & mask
            while let entry = slots[index].load(ordering: .acquiring) {
                if entry._withUnsafeGuaranteedRef({ $0.tableHash == hash && matches($0) }) { return entry }
                index = (index + 1) & mask
            }
            return nil
        }

        /// Stores `entry` over the slot of the entry `matches` picks, or else into the first empty slot of its probe; true
        /// when it took an empty slot. Only under the table's lock.
        func put(_ entry: Entry, _ matches: (Entry) -> Bool) -> Bool {
            var index = entry.tableHash & mask
            while let present = slots[index].load(ordering: .relaxed) {
                if present._withUnsafeGuaranteedRef({ $0.tableHash == entry.tableHash && matches($0) }) {
                    slots[index].store(Unmanaged.passUnretained(entry), ordering: .releasing)
                    return false
                }
                index = (index + 1) & mask
            }
            slots[index].store(Unmanaged.passUnretained(entry), ordering: .releasing)
            return true
        }

        /// Every entry in this array. Only under the table's lock.
        func entries() -> [Entry] {
            (0...mask).compactMap { slots[$0].load(ordering: .relaxed)?.takeUnretainedValue() }
        }
    }

    /// What the lock guards: the entries and slot arrays kept alive, and how many slots of the current array are taken.
    private struct Kept: Sendable {
        var entries: [Entry] = []
        var slots: [Slots]
        var used = 0
    }

    private static var smallestCapacity: Int { 16 }

    private let current: Atomic<Unmanaged<Slots>>
    private let kept: Mutex<Kept>

    init() {
        let slots = Slots(capacity: Self.smallestCapacity)
        current = Atomic(Unmanaged.passUnretained(slots))
        kept = Mutex(Kept(slots: [slots]))
    }

    /// The entry of `hash` that `matches` accepts, without a lock; nil when there is none, or when it was added while
    /// this lookup ran.
    @inline(__always)
    func find(_ hash: Int, _ matches: (Entry) -> Bool) -> Unmanaged<Entry>? {
        current.load(ordering: .acquiring)._withUnsafeGuaranteedRef { $0.find(hash, matches) }
    }

    /// ``find(_:_:)`` under the lock, so no insert or growth is under way: nil means there is no such entry.
    func findUnderLock(_ hash: Int, _ matches: (Entry) -> Bool) -> Unmanaged<Entry>? {
        kept.withLock { _ in find(hash, matches) }
    }

    /// The entry of `hash` that `matches` accepts; if there is none, the one `make` makes, added. One entry per identity
    /// even when several callers add the same one at once (the check and the insert are one step under the lock).
    func findOrAdd(_ hash: Int, _ matches: (Entry) -> Bool, make: () -> Entry) -> Unmanaged<Entry> {
        kept.withLock { kept in
            if let found = find(hash, matches) { return found }
            let entry = make()
            put(entry, matches, in: &kept)
            return Unmanaged.passUnretained(entry)
        }
    }

    /// Adds `entries` in one step, each replacing the entry of its identity (`same`) if there is one (the replaced one
    /// stays alive with the table) — or, `keepingPresent`, leaving that one in place and dropping the new one.
    func put(_ entries: [Entry], keepingPresent: Bool = false, _ same: (Entry, Entry) -> Bool) {
        kept.withLock { kept in
            for entry in entries {
                if keepingPresent, find(entry.tableHash, { same($0, entry) }) != nil { continue }
                put(entry, { same($0, entry) }, in: &kept)
            }
        }
    }

    /// Empties the table and adds `entries` (of two that `same` calls one identity, the later); the entries it held before
    /// stay alive with it.
    func replaceAll(with entries: [Entry], _ same: (Entry, Entry) -> Bool) {
        kept.withLock { kept in
            let slots = Slots(capacity: Self.capacity(for: entries.count))
            kept.used = 0
            for entry in entries {
                kept.entries.append(entry)
                if slots.put(entry, { same($0, entry) }) { kept.used += 1 }
            }
            kept.slots.append(slots)
            current.store(Unmanaged.passUnretained(slots), ordering: .releasing)
        }
    }

    private func put(_ entry: Entry, _ matches: (Entry) -> Bool, in kept: inout Kept) {
        if Self.capacity(for: kept.used + 1) > kept.slots[kept.slots.count - 1].mask + 1 { grow(&kept) }
        kept.entries.append(entry)
        if kept.slots[kept.slots.count - 1].put(entry, matches) { kept.used += 1 }
    }

    /// Moves every entry into an array twice as big, filled before it is published: a lookup sees one array or the other,
    /// each holding every entry added before it was loaded.
    private func grow(_ kept: inout Kept) {
        let old = kept.slots[kept.slots.count - 1]
        let slots = Slots(capacity: 2 * (old.mask + 1))
        for entry in old.entries() { _ = slots.put(entry, { _ in false }) }
        kept.slots.append(slots)
        current.store(Unmanaged.passUnretained(slots), ordering: .releasing)
    }

    /// The smallest power of two at least twice `count` (never below ``smallestCapacity``): at most half the slots taken.
    private static func capacity(for count: Int) -> Int {
        var capacity = smallestCapacity
        while capacity < 2 * count { capacity *= 2 }
        return capacity
    }
}
