import Synchronization

@testable import Storage

/// A stock ledger that forwards to `base` and, once, runs `afterTake` right after a take succeeded: the moment a
/// reservation's units are counted by the ledger but its row is not committed yet. Tests inject there what another
/// part of the cluster does meanwhile (Redis restarting, a reload, a reconciliation pass), with no sleep. Likewise,
/// once, `beforeSettleStep` runs just before a release, confirm or return: its transaction is committed, its Redis
/// step has not landed yet.
final class InterleavingLedger: StockLedger {
    let base: any StockLedger
    private let hook = Mutex<(@Sendable () async throws -> Void)?>(nil)
    private let settleHook = Mutex<(@Sendable () async throws -> Void)?>(nil)

    init(_ base: any StockLedger) {
        self.base = base
    }

    /// Runs `body` after the next successful take, before its reservation row is written.
    func afterNextTake(_ body: @escaping @Sendable () async throws -> Void) {
        hook.withLock { $0 = body }
    }

    /// Runs `body` before the next release, confirm or return of units reaches `base`.
    func beforeNextSettleStep(_ body: @escaping @Sendable () async throws -> Void) {
        settleHook.withLock { $0 = body }
    }

    private func runSettleHook() async throws {
        let body = settleHook.withLock { hook in
            defer { hook = nil }
            return hook
        }
        try await body?()
    }

    func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake {
        let take = try await base.take(key, userID: userID, quantity: quantity)
        if take.decision == .taken,
            let body = hook.withLock({ hook in
                defer { hook = nil }; return hook
            })
        {
            try await body()
        }
        return take
    }

    func reserve(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockDecision {
        try await take(key, userID: userID, quantity: quantity).decision
    }

    func undo(_ take: StockTake, _ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await base.undo(take, key, userID: userID, quantity: quantity)
    }

    func load(_ items: [StockItemState], epoch: Int) async throws { try await base.load(items, epoch: epoch) }
    func load(_ items: [StockItemState]) async throws { try await base.load(items) }
    func upsert(_ items: [StockItemState]) async throws { try await base.upsert(items) }
    func insertMissing(_ items: [StockItemState]) async throws { try await base.insertMissing(items) }
    func redefine(_ key: SaleItemKey, quantity: Int, perUserLimit: Int) async throws -> Bool {
        try await base.redefine(key, quantity: quantity, perUserLimit: perUserLimit)
    }
    func release(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await runSettleHook()
        try await base.release(key, userID: userID, quantity: quantity)
    }
    func confirm(_ key: SaleItemKey, quantity: Int) async throws {
        try await runSettleHook()
        try await base.confirm(key, quantity: quantity)
    }
    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await runSettleHook()
        try await base.returnConfirmed(key, userID: userID, quantity: quantity)
    }
    func release(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        try await runSettleHook()
        try await base.release(key, userID: userID, quantity: quantity, epoch: epoch)
    }
    func confirm(_ key: SaleItemKey, quantity: Int, epoch: Int?) async throws {
        try await runSettleHook()
        try await base.confirm(key, quantity: quantity, epoch: epoch)
    }
    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        try await runSettleHook()
        try await base.returnConfirmed(key, userID: userID, quantity: quantity, epoch: epoch)
    }
    func retire(_ key: SaleItemKey) async throws -> Bool { try await base.retire(key) }
    func unretire(_ key: SaleItemKey) async throws { try await base.unretire(key) }
    func level(_ key: SaleItemKey) async throws -> StockLevel? { try await base.level(key) }
    func taken(_ key: SaleItemKey, userID: String) async throws -> Int { try await base.taken(key, userID: userID) }
}
