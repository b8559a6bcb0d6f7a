import Foundation
import Synchronization
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")

/// The in-memory ledger's hot path: per-user counts found by a precomputed hash, releases only of units taken.
@Suite struct StockLedgerHotPathTests {
    private func ledger(quantity: Int, limit: Int) async throws -> InMemoryStockLedger {
        try await .holding(key, quantity: quantity, limit: limit)
    }

    /// A release (or a return) of units the user never took changes nothing: otherwise `remaining` would pass the
    /// quantity and the item would sell more than it has.
    @Test func releasingUnitsNeverTakenIsRefused() async throws {
        let ledger = try await ledger(quantity: 2, limit: 2)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
        try await ledger.release(key, userID: "b", quantity: 1)
        try await ledger.release(key, userID: "a", quantity: 2)
        try await ledger.returnConfirmed(key, userID: "c", quantity: 1)
        #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
        #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .taken)
        #expect(try await ledger.reserve(key, userID: "c", quantity: 1) == .soldOut)
        try await ledger.release(key, userID: "a", quantity: 1)
        #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
    }

    /// A user's count is found by the id's content, however the string was made, and never shared with another id —
    /// also ids alike in their first 8 bytes or differing only in the last one (the hash reads 8 bytes at a time).
    @Test func eachUserIDHasItsOwnCountWhateverItsStorage() async throws {
        let ledger = try await ledger(quantity: 10_000, limit: 1)
        let base = UUID().uuidString.lowercased()
        var ids = (0..<600).map { "user-\($0)" } + (0..<600).map { "\(base.dropLast(3))\(String(format: "%03d", $0))" }
        ids += ["", "a", "é", "user-0 ", "ü-" + base]
        for id in ids { #expect(try await ledger.reserve(key, userID: id, quantity: 1) == .taken, "\(id)") }
        for id in ids {
            let rebuilt = String(decoding: Array(id.utf8), as: UTF8.self)  // equal content, other storage
            #expect(try await ledger.reserve(key, userID: rebuilt, quantity: 1) == .limitExceeded, "\(id)")
            #expect(try await ledger.taken(key, userID: rebuilt) == 1)
        }
        #expect(try await ledger.level(key)?.held == ids.count)
    }

    /// Tasks on several threads make the first takes of the same users at once (a user's count is added by the first of
    /// them, without a lock the others find it): every user still ends at exactly the limit, as does the item's total.
    @Test func racingFirstTakesOfTheSameUsersStopAtTheLimit() async throws {
        let limit = 3
        let ledger = try await ledger(quantity: 1_000_000, limit: limit)
        let users = (0..<2_000).map { "first-\($0)" }
        let taken = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var taken = 0
                    for _ in 0..<2 {
                        for user in users where ledger.takeNow(key, userID: user, quantity: 1).decision == .taken { taken += 1 }
                    }
                    return taken
                }
            }
            return await group.reduce(0, +)
        }
        #expect(taken == users.count * limit)
        for user in users { #expect(try await ledger.taken(key, userID: user) == limit) }
        #expect(try await ledger.level(key)?.held == users.count * limit)
    }

    /// Many tasks take units of one item, hold them a moment and give them back, far more than the item has: each
    /// counts what it holds (after the ledger said yes, before it gives back), so the counts are never above what
    /// the ledger really lets out. Those counts never pass the quantity, nor a user's the limit; sold-out answers
    /// happen (the test reaches the edge); and every unit comes back.
    @Test func hammeringOneItemNeverOversellsAndBalancesAtTheEnd() async throws {
        let quantity = 5
        let limit = 3
        let ledger = try await ledger(quantity: quantity, limit: limit)
        let workers = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let users = (0..<6).map { "buyer-\($0)" }
        let holding = Holdings()
        let (violations, soldOut) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var violations = 0
                    var soldOut = 0
                    for round in 0..<3_000 {
                        let user = users[(worker * 7 + round) % users.count]
                        let units = 1 + round % 2
                        switch try await ledger.reserve(key, userID: user, quantity: units) {
                        case .taken:
                            let (total, mine) = holding.add(units, for: user)
                            if total > quantity || mine > limit { violations += 1 }
                            await Task.yield()
                            holding.add(-units, for: user)
                            try await ledger.release(key, userID: user, quantity: units)
                        case .soldOut: soldOut += 1
                        default: break
                        }
                    }
                    return (violations, soldOut)
                }
            }
            group.addTask {
                var violations = 0
                for _ in 0..<3_000 {
                    if let level = try await ledger.level(key), level.remaining < 0 || level.remaining > quantity { violations += 1 }
                }
                return (violations, 0)
            }
            return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        #expect(soldOut > 0)
        #expect(violations == 0)
        #expect(try await ledger.level(key) == StockLevel(quantity: quantity, held: 0, confirmed: 0, remaining: quantity))
        for user in users { #expect(try await ledger.taken(key, userID: user) == 0) }
    }
}

/// What the hammering tasks hold right now, in all and per user.
private final class Holdings: Sendable {
    private let counts = Mutex((total: 0, perUser: [String: Int]()))

    /// Adds (or, negative, removes) a user's units; the new total and the user's new count.
    @discardableResult
    func add(_ units: Int, for user: String) -> (total: Int, user: Int) {
        counts.withLock { counts in
            counts.total += units
            counts.perUser[user, default: 0] += units
            return (counts.total, counts.perUser[user, default: 0])
        }
    }
}

extension InMemoryStockLedger {
    /// A ledger holding one item: `quantity` units, at most `limit` a user, none taken.
    static func holding(_ key: SaleItemKey, quantity: Int, limit: Int) async throws -> InMemoryStockLedger {
        let ledger = InMemoryStockLedger()
        try await ledger.load([StockItemState(key: key, quantity: quantity, perUserLimit: limit, held: 0, confirmed: 0, perUser: [:])])
        return ledger
    }
}

/// The ledger finds items without retaining them (``ReadMostlyTable``), which is safe only because every item it
/// made lives as long as it does.
@Suite struct StockLedgerItemLifetimeTests {
    /// An item replaced by a load or an upsert is not freed under a step that found it just before; the new item takes
    /// from its own counters.
    @Test func anItemReplacedByALoadOrAnUpsertLivesAsLongAsTheLedger() async throws {
        let ledger = try await InMemoryStockLedger.holding(key, quantity: 5, limit: 2)
        weak var loaded = ledger.item(key)
        #expect(ledger.takeNow(key, userID: "a", quantity: 2).decision == .taken)
        try await ledger.load([StockItemState(key: key, quantity: 7, perUserLimit: 3, held: 0, confirmed: 0, perUser: [:])])
        weak var reloaded = ledger.item(key)
        try await ledger.upsert([StockItemState(key: key, quantity: 9, perUserLimit: 3, held: 0, confirmed: 0, perUser: [:])])
        #expect(loaded != nil && reloaded != nil)
        #expect(loaded?.remaining.load(ordering: .acquiring) == 3)
        #expect(ledger.takeNow(key, userID: "a", quantity: 3).decision == .taken)
        #expect(try await ledger.level(key) == StockLevel(quantity: 9, held: 3, confirmed: 0, remaining: 6))
        #expect(reloaded?.remaining.load(ordering: .acquiring) == 7)
    }
}
