import Foundation
import PropertyBased
import Synchronization
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")

private func ledger(quantity: Int, limit: Int) async throws -> InMemoryStockLedger {
    let ledger = InMemoryStockLedger()
    try await ledger.load([StockItemState(key: key, quantity: quantity, perUserLimit: limit, held: 0, confirmed: 0, perUser: [:])])
    return ledger
}

/// What the concurrent steps of one property run did.
private final class StepLog: Sendable {
    struct Outcome: Sendable {
        let user: Int
        let quantity: Int
        let held: Bool
        let confirmed: Bool
    }

    private let outcomes = Mutex<[Outcome]>([])
    private let violations = Mutex(0)

    func record(_ outcome: Outcome) { outcomes.withLock { $0.append(outcome) } }
    func violation() { violations.withLock { $0 += 1 } }
    var all: [Outcome] { outcomes.withLock { $0 } }
    var violationCount: Int { violations.withLock { $0 } }
}

/// One buyer's steps: reserve some units, then maybe release or confirm them.
private enum Step: Sendable {
    case reserve(user: Int, quantity: Int)
    case reserveThenRelease(user: Int, quantity: Int)
    case reserveThenConfirm(user: Int, quantity: Int)
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

    /// Random buyers run concurrently in many tasks; the invariants hold throughout and the final counters
    /// equal those of a sequential replay of the steps that succeeded.
    @Test func concurrentRandomStepsKeepTheInvariantsAndMatchASequentialModel() async throws {
        let stepGen = zip(Gen.int(in: 0...2), Gen.int(in: 0...9), Gen.int(in: 1...3)).map { kind, user, quantity -> Step in
            switch kind {
            case 0: .reserve(user: user, quantity: quantity)
            case 1: .reserveThenRelease(user: user, quantity: quantity)
            default: .reserveThenConfirm(user: user, quantity: quantity)
            }
        }
        await propertyCheck(count: 60, input: Gen.int(in: 1...40), Gen.int(in: 1...4), stepGen.array(of: 1...120)) { quantity, limit, steps in
            let ledger = try await ledger(quantity: quantity, limit: limit)
            let log = StepLog()
            await withTaskGroup(of: Void.self) { group in
                for (index, step) in steps.enumerated() {
                    group.addTask {
                        let user: Int
                        let units: Int
                        switch step {
                        case .reserve(let u, let q), .reserveThenRelease(let u, let q), .reserveThenConfirm(let u, let q): (user, units) = (u, q)
                        }
                        guard (try? await ledger.reserve(key, userID: "u\(user)", quantity: units)) == .taken else { return }
                        var held = true
                        var confirmed = false
                        if case .reserveThenRelease = step {
                            try? await ledger.release(key, userID: "u\(user)", quantity: units)
                            held = false
                        } else if case .reserveThenConfirm = step {
                            try? await ledger.confirm(key, quantity: units)
                            confirmed = true
                        }
                        if index % 7 == 0, let level = try? await ledger.level(key) {
                            if level.remaining < 0 || level.held < 0 || level.held + level.confirmed > level.quantity { log.violation() }
                        }
                        log.record(.init(user: user, quantity: units, held: held, confirmed: confirmed))
                    }
                }
            }
            let final = try #require(try await ledger.level(key))
            let kept = log.all.filter { $0.held }
            #expect(log.violationCount == 0)
            #expect(final.confirmed == kept.filter(\.confirmed).map(\.quantity).reduce(0, +))
            #expect(final.held == kept.filter { !$0.confirmed }.map(\.quantity).reduce(0, +))
            #expect(final.held + final.confirmed + final.remaining == quantity && final.remaining >= 0)
            for user in 0..<10 {
                let expected = kept.filter { $0.user == user }.map(\.quantity).reduce(0, +)
                #expect(try await ledger.taken(key, userID: "u\(user)") == expected)
                #expect(expected <= limit)
            }
        }
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
}
