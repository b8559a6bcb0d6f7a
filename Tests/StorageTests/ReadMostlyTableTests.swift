import Synchronization
import Testing

@testable import Storage

/// A named entry with a hash chosen by the test (so that many collide).
private final class Named: ReadMostlyEntry {
    let name: String
    let tableHash: Int

    init(_ name: String, hash: Int) {
        self.name = name
        self.tableHash = hash
    }
}

/// How many entries the writer has added so far, shared with the readers.
private final class AddedCount: Sendable {
    let value = Atomic(0)
}

private func find(_ table: ReadMostlyTable<Named>, _ name: String, hash: Int) -> Named? {
    table.find(hash) { $0.name == name }?.takeUnretainedValue()
}

private func add(_ table: ReadMostlyTable<Named>, _ name: String, hash: Int) -> Named {
    table.findOrAdd(hash, { $0.name == name }) { Named(name, hash: hash) }.takeUnretainedValue()
}

/// The ledger's lock-free table (items, and per item the users' counts): what a lookup without a lock may rely on.
@Suite struct ReadMostlyTableTests {
    /// Every entry added is found by its identity through many growths, also among entries of one hash (long probes,
    /// wrapping around the array's end) and negative hashes; an identity never added is not found.
    @Test func everyEntryIsFoundThroughGrowthsAndCollisions() {
        let table = ReadMostlyTable<Named>()
        let hashes = (0..<1_200).map { $0 % 5 == 0 ? -1 : ($0 % 3 == 0 ? 15 : $0 &* 7_919) }
        for (index, hash) in hashes.enumerated() {
            _ = add(table, "n\(index)", hash: hash)
            if index.isMultiple(of: 300) {
                for earlier in 0...index { #expect(find(table, "n\(earlier)", hash: hashes[earlier])?.name == "n\(earlier)") }
            }
        }
        for (index, hash) in hashes.enumerated() {
            #expect(find(table, "n\(index)", hash: hash)?.tableHash == hash)
            #expect(table.findUnderLock(hash, { $0.name == "n\(index)" }) != nil)
        }
        #expect(find(table, "n1200", hash: -1) == nil && find(table, "n1", hash: 15) == nil)
    }

    /// An entry replaced by a put, or left out by a replace-all, is not freed: a lookup that found it just before may
    /// still be using it. The new entry is the one found.
    @Test func aReplacedEntryLivesAsLongAsTheTable() {
        let table = ReadMostlyTable<Named>()
        weak let first = add(table, "a", hash: 1)
        table.put([Named("a", hash: 1)]) { $0.name == $1.name }
        weak let second = find(table, "a", hash: 1)
        #expect(first != nil && second != nil && second !== first)
        table.put([Named("a", hash: 1)], keepingPresent: true) { $0.name == $1.name }
        #expect(find(table, "a", hash: 1) === second)
        table.replaceAll(with: [Named("b", hash: 2)]) { $0.name == $1.name }
        #expect(first != nil && second != nil)
        #expect(find(table, "a", hash: 1) == nil && find(table, "b", hash: 2)?.name == "b")
    }

    /// Lookups without a lock, racing a writer that adds thousands of entries (so the table grows many times), find every
    /// entry added before they looked: a growth publishes its bigger array only once it holds every entry. (Every task
    /// yields now and then and stops after a count of steps: the test never waits on a task that has no thread.)
    @Test func lookupsRacingInsertsAndGrowthsFindEveryEntryAddedBefore() async {
        let table = ReadMostlyTable<Named>()
        let added = AddedCount()
        let misses = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for index in 0..<20_000 {
                    _ = add(table, "e\(index)", hash: index &* 2_654_435_761)
                    added.value.store(index + 1, ordering: .releasing)
                    if index.isMultiple(of: 64) { await Task.yield() }
                }
                return 0
            }
            for reader in 0..<3 {
                group.addTask {
                    var misses = 0
                    var probe = reader
                    for step in 0..<60_000 {
                        if step.isMultiple(of: 64) { await Task.yield() }
                        let count = added.value.load(ordering: .acquiring)
                        guard count > 0 else { continue }
                        probe = (probe &* 1_103_515_245 &+ 12_345) & 0x7fff_ffff
                        let index = probe % count
                        if table.find(index &* 2_654_435_761, { $0.name == "e\(index)" }) == nil { misses += 1 }
                    }
                    return misses
                }
            }
            return await group.reduce(0, +)
        }
        #expect(misses == 0)
    }

    /// Many tasks adding the same identities at once get one entry per identity, all of them the same object.
    @Test func concurrentFirstAddsOfOneIdentityMakeOneEntry() async {
        let table = ReadMostlyTable<Named>()
        let names = (0..<400).map { "u\($0)" }
        let seen = await withTaskGroup(of: [ObjectIdentifier].self) { group in
            for _ in 0..<8 {
                group.addTask { names.map { ObjectIdentifier(add(table, $0, hash: $0.count)) } }
            }
            return await group.reduce(into: [[ObjectIdentifier]]()) { $0.append($1) }
        }
        for column in names.indices { #expect(Set(seen.map { $0[column] }).count == 1, "\(names[column])") }
    }
}
