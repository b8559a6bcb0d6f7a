import Foundation
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")
private let cake = StockItemState(key: key, quantity: 2, perUserLimit: 2, held: 0, confirmed: 0, perUser: [:])

/// The Lua edges of the ledger's epoch (``StockLedgerEpoch``): the loaded marker gates every take, stamps it, and
/// fences compensating releases and loads that come from before a newer load.
@Suite struct RedisLedgerEpochTests {
    @Test func aLedgerThatLostItsDataTakesNothingAndAdoptsNoItemUntilItIsLoaded() async throws {
        try await withRedisClient { (client, _) async throws in
            let ledger = RedisStockLedger(client: client, namespace: "test:stock")
            try await ledger.insertMissing([cake])  // the watcher catching up on an empty Redis
            #expect(try await client.send(["EXISTS", ledger.itemKey(key)]) == .integer(0))
            await #expect(throws: RedisError.unavailable) { try await ledger.level(key) }  // no counters to show yet
            try await ledger.load([cake], epoch: 3)
            _ = try await client.send(["DEL", ledger.loadedKey])  // the marker lost, the item still there
            await #expect(throws: RedisError.unavailable) { try await ledger.take(key, userID: "a", quantity: 1) }
            #expect(try await client.send(["HGET", ledger.itemKey(key), "remaining"]) == .bulk("2"))
        }
    }

    @Test func aTakeCarriesTheEpochOfTheLoadItWasTakenOn() async throws {
        try await withRedisClient { (client, _) async throws in
            let ledger = RedisStockLedger(client: client, namespace: "test:stock")
            try await ledger.load([cake], epoch: 7)
            #expect(try await ledger.take(key, userID: "a", quantity: 1) == StockTake(decision: .taken, epoch: 7))
            #expect(try await ledger.take(key, userID: "a", quantity: 2) == StockTake(decision: .limitExceeded))
        }
    }

    @Test func aReleaseStampedWithAnOlderEpochChangesNothing() async throws {
        try await withRedisClient { (client, _) async throws in
            let ledger = RedisStockLedger(client: client, namespace: "test:stock")
            try await ledger.load([cake], epoch: 1)
            let early = try await ledger.take(key, userID: "a", quantity: 1)
            try await ledger.load([StockItemState(key: key, quantity: 2, perUserLimit: 2, held: 1, confirmed: 0, perUser: ["a": 1])], epoch: 2)
            try await ledger.undo(early, key, userID: "a", quantity: 1)
            #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
            let current = try await ledger.take(key, userID: "b", quantity: 1)
            try await ledger.undo(current, key, userID: "b", quantity: 1)  // same epoch: given back
            #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
        }
    }

    @Test func aLoadOlderThanTheOneInRedisIsSkipped() async throws {
        try await withRedisClient { (client, _) async throws in
            let ledger = RedisStockLedger(client: client, namespace: "test:stock")
            try await ledger.load([StockItemState(key: key, quantity: 2, perUserLimit: 2, held: 1, confirmed: 0, perUser: ["a": 1])], epoch: 5)
            try await ledger.load([cake], epoch: 4)  // read from SQLite before the load of epoch 5: stale
            #expect(try await ledger.level(key)?.held == 1)
            #expect(try await client.send(["GET", ledger.loadedKey]) == .bulk("5"))
        }
    }

    @Test func aSettlementStepStampedWithAnEpochBeforeTheLoadIsIgnoredAndOneStampedWithItsEpochApplies() async throws {
        try await withRedisClient { (client, _) async throws in
            let ledger = RedisStockLedger(client: client, namespace: "test:stock")
            let loaded = StockItemState(key: key, quantity: 3, perUserLimit: 2, held: 2, confirmed: 1, perUser: ["a": 2, "b": 1])
            try await ledger.load([loaded], epoch: 2)
            // Transactions that committed under epoch 1, before the load of epoch 2 read SQLite: it counted them already.
            try await ledger.confirm(key, quantity: 1, epoch: 1)
            try await ledger.returnConfirmed(key, userID: "b", quantity: 1, epoch: 1)
            try await ledger.release(key, userID: "a", quantity: 1, epoch: 1)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 2, confirmed: 1, remaining: 0))
            #expect(try await ledger.taken(key, userID: "a") == 2)
            try await ledger.confirm(key, quantity: 1, epoch: 2)
            try await ledger.returnConfirmed(key, userID: "b", quantity: 1, epoch: 2)
            try await ledger.release(key, userID: "a", quantity: 1, epoch: 2)
            #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 0, confirmed: 1, remaining: 2))
            #expect(try await ledger.taken(key, userID: "a") == 1)
            #expect(try await ledger.taken(key, userID: "b") == 0)
        }
    }
}
