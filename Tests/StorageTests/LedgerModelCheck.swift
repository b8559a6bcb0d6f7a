import PropertyBased
import Synchronization
import Testing

@testable import Storage

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
    private let errors = Mutex<[String]>([])

    func record(_ outcome: Outcome) { outcomes.withLock { $0.append(outcome) } }
    func violation() { violations.withLock { $0 += 1 } }
    func failed(_ error: any Error) { errors.withLock { $0.append("\(error)") } }
    var all: [Outcome] { outcomes.withLock { $0 } }
    var violationCount: Int { violations.withLock { $0 } }
    var errorMessages: [String] { errors.withLock { $0 } }
}

/// One buyer's steps: reserve some units, then maybe release or confirm them.
private enum Step: Sendable {
    case reserve(user: Int, quantity: Int)
    case reserveThenRelease(user: Int, quantity: Int)
    case reserveThenConfirm(user: Int, quantity: Int)
}

/// The ledger property shared by every `StockLedger`: random buyers run concurrently in many tasks on one
/// item made by `makeLedger(quantity, limit)`; the invariants hold throughout, no step throws, and the final
/// counters equal those of a sequential replay of the steps that succeeded.
func checkLedgerAgainstASequentialModel(
    runs: Int,
    makeLedger: @escaping @Sendable (_ quantity: Int, _ limit: Int) async throws -> any StockLedger
) async {
    let key = SaleItemKey(saleID: "sale", productID: "cake")
    let stepGen = zip(Gen.int(in: 0...2), Gen.int(in: 0...9), Gen.int(in: 1...3)).map { kind, user, quantity -> Step in
        switch kind {
        case 0: .reserve(user: user, quantity: quantity)
        case 1: .reserveThenRelease(user: user, quantity: quantity)
        default: .reserveThenConfirm(user: user, quantity: quantity)
        }
    }
    await propertyCheck(count: runs, input: Gen.int(in: 1...40), Gen.int(in: 1...4), stepGen.array(of: 1...120)) { quantity, limit, steps in
        let ledger = try await makeLedger(quantity, limit)
        let log = StepLog()
        await withTaskGroup(of: Void.self) { group in
            for (index, step) in steps.enumerated() {
                group.addTask {
                    let user: Int
                    let units: Int
                    switch step {
                    case .reserve(let u, let q), .reserveThenRelease(let u, let q), .reserveThenConfirm(let u, let q): (user, units) = (u, q)
                    }
                    do {
                        guard try await ledger.reserve(key, userID: "u\(user)", quantity: units) == .taken else { return }
                        var held = true
                        var confirmed = false
                        if case .reserveThenRelease = step {
                            try await ledger.release(key, userID: "u\(user)", quantity: units)
                            held = false
                        } else if case .reserveThenConfirm = step {
                            try await ledger.confirm(key, quantity: units)
                            confirmed = true
                        }
                        if index % 7 == 0, let level = try await ledger.level(key) {
                            if level.remaining < 0 || level.held < 0 || level.held + level.confirmed > level.quantity { log.violation() }
                        }
                        log.record(.init(user: user, quantity: units, held: held, confirmed: confirmed))
                    } catch {
                        log.failed(error)
                    }
                }
            }
        }
        let final = try #require(try await ledger.level(key))
        let kept = log.all.filter { $0.held }
        #expect(log.errorMessages == [])
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
