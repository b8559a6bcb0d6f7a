import Foundation
import Synchronization
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")

private func item(
    _ key: SaleItemKey = key,
    quantity: Int,
    limit: Int,
    held: Int = 0,
    confirmed: Int = 0,
    perUser: [String: Int] = [:]
)
    -> StockItemState
{
    StockItemState(key: key, quantity: quantity, perUserLimit: limit, held: held, confirmed: confirmed, perUser: perUser)
}

/// Runs `body` with a Redis ledger (on a fresh `redis-server`) loaded with `items`.
private func withLedger(_ items: [StockItemState], _ body: (RedisStockLedger, RedisClient, RedisTestServer) async throws -> Void) async throws {
    try await withRedisClient { (client, server) async throws in
        let ledger = RedisStockLedger(client: client, namespace: "test:stock")
        try await ledger.load(items)
        try await body(ledger, client, server)
    }
}

/// Every Lua script's edges, against a real `redis-server`.
@Suite struct RedisStockLedgerTests {
    @Test func reserveChecksTheLimitBeforeTheStockAndTakesBothOrNothing() async throws {
        try await withLedger([item(quantity: 3, limit: 2)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
            #expect(try await ledger.reserve(key, userID: "b", quantity: 2) == .soldOut)
            #expect(try await ledger.taken(key, userID: "b") == 0)
            #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .taken)
            #expect(try await ledger.reserve(key, userID: "c", quantity: 1) == .soldOut)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 3, confirmed: 0, remaining: 0))
            try await ledger.confirm(key, quantity: 2)
            try await ledger.release(key, userID: "b", quantity: 1)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 2, remaining: 1))
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)  // confirmed still counts
            try await ledger.returnConfirmed(key, userID: "a", quantity: 2)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 0, remaining: 3))
            #expect(try await ledger.taken(key, userID: "a") == 0)
        }
    }

    @Test func stockZeroIsSoldOutAndStockOneGoesToExactlyOneBuyer() async throws {
        let empty = SaleItemKey(saleID: "sale", productID: "empty")
        try await withLedger([item(quantity: 1, limit: 5), item(empty, quantity: 0, limit: 5)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(empty, userID: "a", quantity: 1) == .soldOut)
            #expect(try await ledger.level(empty) == StockLevel(quantity: 0, held: 0, confirmed: 0, remaining: 0))
            #expect(try await ledger.taken(empty, userID: "a") == 0)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .soldOut)
            #expect(try await ledger.level(key) == StockLevel(quantity: 1, held: 1, confirmed: 0, remaining: 0))
        }
    }

    @Test func aQuantityOverTheStockTakesNothing() async throws {
        try await withLedger([item(quantity: 2, limit: 5)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 3) == .soldOut)
            #expect(try await ledger.taken(key, userID: "a") == 0)
            #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 0, remaining: 2))
            #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
        }
    }

    @Test func theLimitIsReachedPerUserAndCountsEveryUnit() async throws {
        try await withLedger([item(quantity: 10, limit: 2)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .limitExceeded)  // 1 + 2 > 2, nothing taken
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
            #expect(try await ledger.reserve(key, userID: "b", quantity: 2) == .taken)
            #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 4, confirmed: 0, remaining: 6))
        }
    }

    /// The expirer released a hold; the holder's own late release (a double release) must not create stock,
    /// nor take back units another buyer has reserved since.
    @Test func aReleaseAfterExpiryAndADoubleReleaseChangeNothing() async throws {
        try await withLedger([item(quantity: 1, limit: 1)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            try await ledger.release(key, userID: "a", quantity: 1)  // expired
            try await ledger.release(key, userID: "a", quantity: 1)  // released again
            #expect(try await ledger.level(key) == StockLevel(quantity: 1, held: 0, confirmed: 0, remaining: 1))
            #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .taken)
            try await ledger.release(key, userID: "a", quantity: 1)  // a's late release once more
            #expect(try await ledger.level(key) == StockLevel(quantity: 1, held: 1, confirmed: 0, remaining: 0))
            #expect(try await ledger.taken(key, userID: "b") == 1)
            #expect(try await ledger.taken(key, userID: "a") == 0)
        }
    }

    @Test func confirmingAReleasedUnitChangesNothing() async throws {
        try await withLedger([item(quantity: 2, limit: 2)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            try await ledger.release(key, userID: "a", quantity: 1)
            try await ledger.confirm(key, quantity: 1)
            #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 0, remaining: 2))
            try await ledger.returnConfirmed(key, userID: "a", quantity: 1)  // nothing confirmed to return
            #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 0, remaining: 2))
            #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
        }
    }

    @Test func unknownItemsAndEmptyQuantitiesTakeNothing() async throws {
        try await withLedger([item(quantity: 2, limit: 2)]) { (ledger, client, _) async throws in
            let other = SaleItemKey(saleID: "other", productID: "cake")
            #expect(try await ledger.reserve(other, userID: "a", quantity: 1) == .unknownItem)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 0) == .unknownItem)
            try await ledger.release(other, userID: "a", quantity: 1)
            try await ledger.confirm(other, quantity: 1)
            #expect(try await ledger.level(other) == nil)
            #expect(try await client.send(["EXISTS", ledger.itemKey(other)]) == .integer(0))  // no key was created
        }
    }

    @Test func loadRestoresCountsAndReplacesTheLedgerWhileUpsertKeepsTheRest() async throws {
        let other = SaleItemKey(saleID: "sale:2", productID: "bread")
        try await withLedger([item(quantity: 5, limit: 5), item(other, quantity: 5, limit: 5)]) { (ledger, _, _) async throws in
            try await ledger.load([item(quantity: 10, limit: 3, held: 4, confirmed: 2, perUser: ["a": 3, "b": 3])])
            #expect(try await ledger.level(other) == nil)
            #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 4, confirmed: 2, remaining: 4))
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
            #expect(try await ledger.reserve(key, userID: "c", quantity: 3) == .taken)
            #expect(try await ledger.reserve(key, userID: "d", quantity: 2) == .soldOut)
            try await ledger.upsert([item(other, quantity: 1, limit: 1)])
            #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 7, confirmed: 2, remaining: 1))
            #expect(try await ledger.reserve(other, userID: "a", quantity: 1) == .taken)
        }
    }

    @Test func idsHoldingColonsNeverShareAKey() async throws {
        let first = SaleItemKey(saleID: "a:item:b", productID: "c")
        let second = SaleItemKey(saleID: "a", productID: "b:item:c")
        try await withLedger([item(first, quantity: 1, limit: 1), item(second, quantity: 1, limit: 1)]) { (ledger, _, _) async throws in
            #expect(ledger.itemKey(first) != ledger.itemKey(second))
            #expect(try await ledger.reserve(first, userID: "a", quantity: 1) == .taken)
            #expect(try await ledger.reserve(second, userID: "a", quantity: 1) == .taken)
        }
    }

    @Test func concurrentRandomStepsKeepTheInvariantsAndMatchASequentialModel() async throws {
        try await withRedisClient { (client, _) async throws in
            let run = Mutex(0)
            await checkLedgerAgainstASequentialModel(runs: 20) { quantity, limit in
                let namespace = "model:\(run.withLock { $0 += 1; return $0 })"
                let ledger = RedisStockLedger(client: client, namespace: namespace)
                try await ledger.load([item(quantity: quantity, limit: limit)])
                return ledger
            }
        }
    }

    /// Two instances (two clients and ledgers) against one Redis: 400 buyers spread across both
    /// take exactly the stock, and nobody passes the limit.
    @Test func twoInstancesSharingOneRedisNeverOversell() async throws {
        try await withRedisServer { (server) async throws in
            let clients = [RedisClient(configuration: server.configuration), RedisClient(configuration: server.configuration)]
            let ledgers = clients.map { RedisStockLedger(client: $0, namespace: "shop") }
            try await ledgers[0].load([item(quantity: 100, limit: 2)])
            let taken = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for buyer in 0..<400 {
                    group.addTask {
                        let user = "user-\(buyer % 150)"
                        let decision = try await ledgers[buyer % 2].reserve(key, userID: user, quantity: 1)
                        return (user, decision == .taken ? 1 : 0)
                    }
                }
                return try await group.reduce(into: [String: Int]()) { $0[$1.0, default: 0] += $1.1 }
            }
            #expect(taken.values.reduce(0, +) == 100)
            #expect(taken.values.allSatisfy { $0 <= 2 })
            #expect(try await ledgers[1].level(key) == StockLevel(quantity: 100, held: 100, confirmed: 0, remaining: 0))
            for client in clients { await client.close() }
        }
    }

    @Test func redisDownMakesReserveThrowInsteadOfAnsweringFromLocalCounts() async throws {
        try await withLedger([item(quantity: 5, limit: 5)]) { (ledger, _, server) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            server.kill()
            for _ in 0..<3 {
                await #expect(throws: RedisError.self) { try await ledger.reserve(key, userID: "a", quantity: 1) }
            }
        }
    }
}

/// The steps of a sale changed while it is loaded: retire, unretire, insertMissing, redefine.
extension RedisStockLedgerTests {
    @Test func retireIsRefusedWhileAUnitIsHeldOrConfirmed() async throws {
        try await withLedger([item(quantity: 3, limit: 3)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)
            #expect(try await ledger.retire(key) == false)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 1, confirmed: 0, remaining: 2))
            try await ledger.confirm(key, quantity: 1)
            #expect(try await ledger.retire(key) == false)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 1, remaining: 2))
            #expect(try await ledger.reserve(key, userID: "b", quantity: 2) == .taken)
            let unknown = SaleItemKey(saleID: "sale", productID: "none")
            #expect(try await ledger.retire(unknown))
            try await ledger.unretire(unknown)
            #expect(try await ledger.level(unknown) == nil)
        }
    }

    @Test func retireThenUnretireRestoresTheStock() async throws {
        let single = SaleItemKey(saleID: "sale", productID: "single")
        try await withLedger([item(quantity: 3, limit: 3), item(single, quantity: 1, limit: 1)]) { (ledger, _, _) async throws in
            #expect(try await ledger.retire(key))
            #expect(try await ledger.level(key)?.remaining == 0)
            #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .soldOut)
            #expect(try await ledger.retire(key) == false)  // already retired
            try await ledger.unretire(key)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 0, remaining: 3))
            #expect(try await ledger.reserve(key, userID: "a", quantity: 3) == .taken)
            // A sold-out item (its units held) is not a retired one: unretire leaves it alone.
            #expect(try await ledger.reserve(single, userID: "a", quantity: 1) == .taken)
            try await ledger.unretire(single)
            #expect(try await ledger.level(single) == StockLevel(quantity: 1, held: 1, confirmed: 0, remaining: 0))
            #expect(try await ledger.reserve(single, userID: "b", quantity: 1) == .soldOut)
        }
    }

    @Test func insertMissingNeverReplacesAKnownItem() async throws {
        let added = SaleItemKey(saleID: "sale", productID: "added")
        try await withLedger([item(quantity: 3, limit: 3)]) { (ledger, _, _) async throws in
            #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
            try await ledger.insertMissing([item(quantity: 10, limit: 9), item(added, quantity: 5, limit: 2, held: 1, perUser: ["b": 1])])
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 2, confirmed: 0, remaining: 1))
            #expect(try await ledger.taken(key, userID: "a") == 2)
            #expect(try await ledger.reserve(key, userID: "c", quantity: 2) == .soldOut)  // the old quantity and limit
            #expect(try await ledger.level(added) == StockLevel(quantity: 5, held: 1, confirmed: 0, remaining: 4))
            #expect(try await ledger.taken(added, userID: "b") == 1)
            try await ledger.load([])  // the inserted item joined the index, so a reload drops it
            #expect(try await ledger.level(added) == nil)
        }
    }

    @Test func redefineKeepsCountsAndRefusesShrinkingBelowWhatIsTaken() async throws {
        try await withLedger([item(quantity: 5, limit: 2)]) { (ledger, _, _) async throws in
            try await LedgerRedefineScenarios.keepsCountsAndRefusesShrinkingBelowWhatIsTaken(ledger)
        }
    }

    @Test func aRetiredItemStaysRetiredWhenRedefined() async throws {
        try await withLedger([item(quantity: 4, limit: 2)]) { (ledger, _, _) async throws in
            try await LedgerRedefineScenarios.aRetiredItemStaysRetired(ledger)
        }
    }
}
