import Foundation
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")

private func ledger(quantity: Int, limit: Int) async throws -> InMemoryStockLedger {
    let ledger = InMemoryStockLedger()
    try await ledger.load([StockItemState(key: key, quantity: quantity, perUserLimit: limit, held: 0, confirmed: 0, perUser: [:])])
    return ledger
}

@Suite struct StockLedgerTests {
    @Test func reserveChecksTheLimitBeforeTheStockAndTakesBothOrNothing() async throws {
        let ledger = try await ledger(quantity: 3, limit: 2)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
        #expect(try await ledger.reserve(key, userID: "b", quantity: 2) == .soldOut)
        #expect(try await ledger.taken(key, userID: "b") == 0)  // the limit step was undone
        #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .taken)
        #expect(try await ledger.reserve(key, userID: "c", quantity: 1) == .soldOut)
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 3, confirmed: 0, remaining: 0))
        try await ledger.confirm(key, quantity: 2)
        try await ledger.release(key, userID: "b", quantity: 1)
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 2, remaining: 1))
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)  // confirmed still counts
        try await ledger.returnConfirmed(key, userID: "a", quantity: 2)
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 0, remaining: 3))
        #expect(try await ledger.reserve(SaleItemKey(saleID: "x", productID: "y"), userID: "a", quantity: 1) == .unknownItem)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 0) == .unknownItem)
    }

    @Test func loadingRestoresCountsFromTheSourceOfTruth() async throws {
        let ledger = InMemoryStockLedger()
        try await ledger.load([StockItemState(key: key, quantity: 10, perUserLimit: 3, held: 4, confirmed: 2, perUser: ["a": 3, "b": 3])])
        #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 4, confirmed: 2, remaining: 4))
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
        #expect(try await ledger.reserve(key, userID: "c", quantity: 3) == .taken)
        #expect(try await ledger.reserve(key, userID: "d", quantity: 2) == .soldOut)
    }

    /// The same `redefine` rules as the Redis ledger (``LedgerRedefineScenarios``): no shrinking below what is taken.
    @Test func redefineKeepsCountsAndRefusesShrinkingBelowWhatIsTaken() async throws {
        let ledger = InMemoryStockLedger()
        try await ledger.load([LedgerRedefineScenarios.item(quantity: 5, limit: 2)])
        try await LedgerRedefineScenarios.keepsCountsAndRefusesShrinkingBelowWhatIsTaken(ledger)
    }

    @Test func aRetiredItemStaysRetiredWhenRedefined() async throws {
        let ledger = InMemoryStockLedger()
        try await ledger.load([LedgerRedefineScenarios.item(quantity: 4, limit: 2)])
        try await LedgerRedefineScenarios.aRetiredItemStaysRetired(ledger)
    }

    /// Random buyers run concurrently in many tasks; the invariants hold throughout and the final counters
    /// equal those of a sequential replay of the steps that succeeded.
    @Test func concurrentRandomStepsKeepTheInvariantsAndMatchASequentialModel() async throws {
        await checkLedgerAgainstASequentialModel(runs: 60) { quantity, limit in try await ledger(quantity: quantity, limit: limit) }
    }

    /// 10,000 buyers in 2 tasks per core against 1,000 units, at most 2 each: exactly 1,000 are taken.
    @Test func tenThousandBuyersTakeExactlyTheStockAndNoOneExceedsTheLimit() async throws {
        let ledger = try await ledger(quantity: 1000, limit: 2)
        let workers = 2 * ProcessInfo.processInfo.activeProcessorCount
        let takenPerUser = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var taken: [String: Int] = [:]
                    var generator = SystemRandomNumberGenerator()
                    for buyer in stride(from: worker, to: 10_000, by: workers) {
                        let user = "user-\(buyer % 4000)"  // some users come back for more
                        let quantity = Int.random(in: 1...2, using: &generator)
                        if try await ledger.reserve(key, userID: user, quantity: quantity) == .taken { taken[user, default: 0] += quantity }
                    }
                    return taken
                }
            }
            return try await group.reduce(into: [String: Int]()) { total, part in total.merge(part, uniquingKeysWith: +) }
        }
        #expect(takenPerUser.values.reduce(0, +) == 1000)
        #expect(takenPerUser.values.allSatisfy { $0 <= 2 })
        #expect(try await ledger.level(key) == StockLevel(quantity: 1000, held: 1000, confirmed: 0, remaining: 0))
        for (user, units) in takenPerUser.prefix(200) { #expect(try await ledger.taken(key, userID: user) == units) }
    }

    /// A release caught half-way (the user's count lowered, `remaining` not yet raised) looks like a retired item from the
    /// counters alone; only ``InMemoryStockLedger/retire(_:)`` may make an item retired, or redefine shrinks the quantity
    /// without moving `remaining` and the finished release leaves more remaining than the quantity (an oversell).
    @Test func onlyRetireMakesAnItemRetiredNotAReleaseCaughtHalfWay() async throws {
        let ledger = InMemoryStockLedger()
        try await ledger.load([StockItemState(key: key, quantity: 5, perUserLimit: 5, held: 5, confirmed: 0, perUser: ["a": 5])])
        let item = try #require(ledger.item(key))
        #expect(item.users.subtract(5, for: "a"))  // release, step 1 of 2
        #expect(try await ledger.redefine(key, quantity: 3, perUserLimit: 5) == false)  // below the 5 units still taken
        item.remaining.wrappingAdd(5, ordering: .acquiringAndReleasing)  // release, step 2 of 2
        let level = try #require(try await ledger.level(key))
        #expect(level.remaining <= level.quantity)
        #expect(level == StockLevel(quantity: 5, held: 0, confirmed: 0, remaining: 5))

        // A real retirement still keeps only the new quantity, for unretire to restore.
        #expect(try await ledger.retire(key))
        #expect(try await ledger.redefine(key, quantity: 3, perUserLimit: 2))
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 3, confirmed: 0, remaining: 0))
        try await ledger.unretire(key)
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 0, remaining: 3))
        // Unretired, a sold-out item is not retired: redefine moves `remaining` again.
        #expect(try await ledger.reserve(key, userID: "b", quantity: 2) == .taken)
        #expect(try await ledger.redefine(key, quantity: 4, perUserLimit: 2))
        #expect(try await ledger.level(key) == StockLevel(quantity: 4, held: 2, confirmed: 0, remaining: 2))
    }
}
