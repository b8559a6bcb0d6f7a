import Synchronization

/// The single-process ledger: per item, the stock in atomic counters changed by compare-and-swap, never by a lock.
///
/// `reserve` first raises the user's count, checked against the per-user limit in one compare-and-swap
/// (``StockUserCounts``: one atomic count per user, found without a lock by a user id hashed once per call), then lowers the item's
/// remaining count with a CAS that refuses to go below zero; if the second fails, the first is undone. Neither count
/// is ever pushed past its bound, so concurrent buyers can never oversell or take more than their limit. Items are found
/// in a ``ReadMostlyTable`` without a lock; only a load, an upsert or an insert of items takes its lock.
public final class InMemoryStockLedger: StockLedger {
    /// Every item this ledger ever made stays alive with it (``ReadMostlyTable``): a step that found an item just before
    /// a load or an upsert replaced it never touches freed memory, and it is used without a retain. Items are replaced only
    /// by a load (start-up) and by the upsert after a sale's untouched items changed, so the kept ones are few.
    private let items = ReadMostlyTable<Item>()

    public init() {}

    public func load(_ states: [StockItemState]) async throws {
        items.replaceAll(with: states.map(Item.init)) { $0.key == $1.key }
    }

    /// Adds or replaces some items, leaving the others as they are (a sale created or changed).
    public func upsert(_ states: [StockItemState]) async throws {
        items.put(states.map(Item.init)) { $0.key == $1.key }
    }

    public func insertMissing(_ states: [StockItemState]) async throws {
        items.put(states.map(Item.init), keepingPresent: true) { $0.key == $1.key }
    }

    /// The same rules as the Redis script: refused (false) below the units already held plus confirmed, so
    /// `remaining` never goes negative; a retired item (``retire(_:)``) stays retired and only its quantity changes,
    /// for ``unretire(_:)`` to restore later.
    public func redefine(_ key: SaleItemKey, quantity: Int, perUserLimit: Int) async throws -> Bool {
        guard let item = item(key) else { return false }
        let before = item.quantity.load(ordering: .acquiring)
        var remaining = item.remaining.load(ordering: .acquiring)
        if item.retired.load(ordering: .acquiring) {
            item.perUserLimit.store(perUserLimit, ordering: .releasing)
            item.quantity.store(quantity, ordering: .releasing)
            return true
        }
        // Move `remaining` by the change in quantity with a CAS, so a reservation in flight is never lost.
        repeat {
            guard quantity >= before - remaining else { return false }
            let (exchanged, original) = item.remaining.compareExchange(
                expected: remaining,
                desired: remaining + quantity - before,
                ordering: .acquiringAndReleasing
            )
            if exchanged { break }
            remaining = original
        } while true
        item.perUserLimit.store(perUserLimit, ordering: .releasing)
        item.quantity.store(quantity, ordering: .releasing)
        return true
    }

    public func reserve(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockDecision {
        reserveNow(key, userID: userID, quantity: quantity)
    }

    public func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake {
        takeNow(key, userID: userID, quantity: quantity)
    }

    public func release(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        releaseNow(key, userID: userID, quantity: quantity)
    }

    public func confirm(_ key: SaleItemKey, quantity: Int) async throws {
        confirmNow(key, quantity: quantity)
    }

    public func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        returnConfirmedNow(key, userID: userID, quantity: quantity)
    }

    // MARK: - Synchronous steps (nothing here awaits): what the flash-sale service calls (``StockLedgerBackend``)

    /// ``reserve(_:userID:quantity:)`` without an `async` call.
    public func reserveNow(_ key: SaleItemKey, userID: String, quantity: Int) -> StockDecision {
        guard quantity > 0 else { return .unknownItem }
        return withItem(key) { $0.reserve(userID: userID, quantity: quantity) } ?? .unknownItem
    }

    /// ``take(_:userID:quantity:)`` without an `async` call; no epoch: this ledger lives and dies with the process.
    public func takeNow(_ key: SaleItemKey, userID: String, quantity: Int) -> StockTake {
        StockTake(decision: reserveNow(key, userID: userID, quantity: quantity))
    }

    /// ``release(_:userID:quantity:)`` without an `async` call (also the undo of a take, and a settled release).
    public func releaseNow(_ key: SaleItemKey, userID: String, quantity: Int) {
        guard quantity > 0 else { return }
        withItem(key) { $0.release(userID: userID, quantity: quantity) }
    }

    /// ``confirm(_:quantity:)`` without an `async` call.
    public func confirmNow(_ key: SaleItemKey, quantity: Int) {
        guard quantity > 0, let item = item(key) else { return }
        item.confirmed.wrappingAdd(quantity, ordering: .acquiringAndReleasing)
    }

    /// ``returnConfirmed(_:userID:quantity:)`` without an `async` call.
    public func returnConfirmedNow(_ key: SaleItemKey, userID: String, quantity: Int) {
        guard quantity > 0, let item = item(key) else { return }
        guard item.users.subtract(quantity, for: userID) else { return }
        item.confirmed.wrappingSubtract(quantity, ordering: .acquiringAndReleasing)
        item.remaining.wrappingAdd(quantity, ordering: .acquiringAndReleasing)
    }

    public func retire(_ key: SaleItemKey) async throws -> Bool {
        guard let item = item(key) else { return true }
        guard item.confirmed.load(ordering: .acquiring) == 0 else { return false }
        let quantity = item.quantity.load(ordering: .acquiring)
        guard item.remaining.compareExchange(expected: quantity, desired: 0, ordering: .acquiringAndReleasing).exchanged else { return false }
        item.retired.store(true, ordering: .releasing)
        return true
    }

    public func unretire(_ key: SaleItemKey) async throws {
        guard let item = item(key), item.retired.compareExchange(expected: true, desired: false, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        _ = item.remaining.compareExchange(expected: 0, desired: item.quantity.load(ordering: .acquiring), ordering: .acquiringAndReleasing)
    }

    public func level(_ key: SaleItemKey) async throws -> StockLevel? {
        guard let item = item(key) else { return nil }
        let quantity = item.quantity.load(ordering: .acquiring)
        let remaining = item.remaining.load(ordering: .acquiring)
        let confirmed = item.confirmed.load(ordering: .acquiring)
        return StockLevel(quantity: quantity, held: quantity - remaining - confirmed, confirmed: confirmed, remaining: remaining)
    }

    public func taken(_ key: SaleItemKey, userID: String) async throws -> Int {
        item(key)?.users.count(for: userID) ?? 0
    }

    func item(_ key: SaleItemKey) -> Item? {
        items.find(key.hashCode) { $0.key == key }?.takeUnretainedValue()
    }

    /// Runs `body` on the item of `key` without retaining it (nil: no such item): the hot path's lookup, one probe without
    /// a lock. The items table keeps every item alive as long as this ledger, so no load or upsert can free it meanwhile.
    @inline(__always)
    @discardableResult
    private func withItem<Result>(_ key: SaleItemKey, _ body: (Item) -> Result) -> Result? {
        guard let item = items.find(key.hashCode, { $0.key == key }) else { return nil }
        return item._withUnsafeGuaranteedRef(body)
    }
}
