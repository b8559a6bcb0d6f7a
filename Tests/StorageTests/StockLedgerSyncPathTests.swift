import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Storage

private let key = SaleItemKey(saleID: "sale", productID: "cake")

/// The in-process ledger's synchronous steps (``InMemoryStockLedger/takeNow(_:userID:quantity:)`` and its siblings), the
/// ones a flash-sale service over it calls without an `async` hop (``StockLedgerBackend``).
@Suite struct StockLedgerSyncPathTests {
    private func ledger(quantity: Int, limit: Int) async throws -> InMemoryStockLedger {
        try await .holding(key, quantity: quantity, limit: limit)
    }

    /// A service is given the in-process ledger's direct steps exactly when its ledger is the in-process one; any other
    /// ledger (Redis, a wrapper) keeps the async protocol, so its behaviour (epochs, failures) is unchanged.
    @Test func theDirectStepsAreChosenOnlyForTheInProcessLedger() throws {
        let fixture = try FlashSaleFixture()
        guard case .inProcess(let chosen) = fixture.sales.ledgerSteps else {
            Issue.record("the in-process ledger goes through the async protocol")
            return
        }
        #expect(chosen === fixture.ledger)
        guard case .shared = StockLedgerBackend(FailingFollowUpLedger()) else {
            Issue.record("a wrapping ledger is called directly, past its own steps")
            return
        }
    }

    /// A user's first take above the limit is refused and leaves no count behind; later takes change the count in place.
    @Test func aFirstTakeAboveTheLimitIsRefusedAndCountsStayExact() async throws {
        let ledger = try await ledger(quantity: 10, limit: 2)
        #expect(ledger.takeNow(key, userID: "a", quantity: 3).decision == .limitExceeded)
        #expect(try await ledger.taken(key, userID: "a") == 0)
        #expect(ledger.takeNow(key, userID: "a", quantity: 1) == StockTake(decision: .taken, epoch: nil))
        #expect(ledger.takeNow(key, userID: "a", quantity: 2).decision == .limitExceeded)
        #expect(ledger.takeNow(key, userID: "a", quantity: 1).decision == .taken)
        #expect(try await ledger.taken(key, userID: "a") == 2)
        ledger.releaseNow(key, userID: "a", quantity: 3)  // more than held: refused
        ledger.releaseNow(key, userID: "b", quantity: 1)  // never taken: refused
        #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 2, confirmed: 0, remaining: 8))
        ledger.confirmNow(key, quantity: 1)
        ledger.returnConfirmedNow(key, userID: "b", quantity: 1)  // never taken: refused
        #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 1, confirmed: 1, remaining: 8))
        ledger.returnConfirmedNow(key, userID: "a", quantity: 1)
        ledger.releaseNow(key, userID: "a", quantity: 1)
        #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 0, confirmed: 0, remaining: 10))
        #expect(ledger.takeNow(SaleItemKey(saleID: "sale", productID: "other"), userID: "a", quantity: 1).decision == .unknownItem)
    }

    /// Threads (not tasks: the steps are synchronous) take and give back units of one item, far more than it has; what
    /// they hold, counted after each yes and before each give-back, never passes the quantity nor a user's limit, and
    /// every unit comes back.
    @Test func threadsHammeringTheDirectStepsNeverOversell() async throws {
        let quantity = 5
        let limit = 3
        let ledger = try await ledger(quantity: quantity, limit: limit)
        let users = (0..<6).map { "buyer-\($0)" }
        let held = Mutex((total: 0, perUser: [String: Int](), violations: 0, soldOut: 0))
        DispatchQueue.concurrentPerform(iterations: max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)) { worker in
            // Each thread keeps up to its last four takes and gives back the oldest first: one thread alone already asks for
            // more than the item has, so sold-out answers come whatever the interleaving.
            var holding: [(user: String, units: Int)] = []
            func giveBackOldest() {
                let (user, units) = holding.removeFirst()
                held.withLock { held in
                    held.total -= units
                    held.perUser[user, default: 0] -= units
                }
                ledger.releaseNow(key, userID: user, quantity: units)
            }
            for round in 0..<5_000 {
                let user = users[(worker * 7 + round) % users.count]
                let units = 1 + round % 2
                switch ledger.takeNow(key, userID: user, quantity: units).decision {
                case .taken:
                    held.withLock { held in
                        held.total += units
                        held.perUser[user, default: 0] += units
                        if held.total > quantity || held.perUser[user, default: 0] > limit { held.violations += 1 }
                    }
                    holding.append((user, units))
                case .soldOut: held.withLock { $0.soldOut += 1 }
                default: break
                }
                if holding.count == 4 { giveBackOldest() }
            }
            while !holding.isEmpty { giveBackOldest() }
        }
        let (violations, soldOut) = held.withLock { ($0.violations, $0.soldOut) }
        #expect(soldOut > 0)
        #expect(violations == 0)
        #expect(try await ledger.level(key) == StockLevel(quantity: quantity, held: 0, confirmed: 0, remaining: quantity))
        for user in users { #expect(try await ledger.taken(key, userID: user) == 0) }
    }
}
