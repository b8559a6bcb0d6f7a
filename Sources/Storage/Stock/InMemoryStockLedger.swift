import Synchronization

/// The single-process ledger: per item, the stock in atomic counters changed by compare-and-swap, never by a lock.
///
/// `reserve` first raises the user's count, checked against the per-user limit in one step under that user's shard
/// lock (``StockUserCounts``: 16 small locks per item, a user id hashed once per call), then lowers the item's
/// remaining count with a CAS that refuses to go below zero; if the second fails, the first is undone. Neither count
/// is ever pushed past its bound, so concurrent buyers can never oversell or take more than their limit. (Finding an
/// item takes a short lock on the items table; its stock counters themselves change only by CAS.)
public final class InMemoryStockLedger: StockLedger {
    private let items = Mutex<[SaleItemKey: Item]>([:])

    public init() {}

    public func load(_ states: [StockItemState]) async throws {
        let loaded = Dictionary(states.map { ($0.key, Item($0)) }, uniquingKeysWith: { _, last in last })
        items.withLock { $0 = loaded }
    }

    /// Adds or replaces some items, leaving the others as they are (a sale created or changed).
    public func upsert(_ states: [StockItemState]) async throws {
        items.withLock { items in
            for state in states { items[state.key] = Item(state) }
        }
    }

    public func insertMissing(_ states: [StockItemState]) async throws {
        items.withLock { items in
            for state in states where items[state.key] == nil { items[state.key] = Item(state) }
        }
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
        guard quantity > 0, let item = item(key) else { return .unknownItem }
        return item.reserve(userID: userID, quantity: quantity)
    }

    /// ``take(_:userID:quantity:)`` without an `async` call; no epoch: this ledger lives and dies with the process.
    public func takeNow(_ key: SaleItemKey, userID: String, quantity: Int) -> StockTake {
        StockTake(decision: reserveNow(key, userID: userID, quantity: quantity))
    }

    /// ``release(_:userID:quantity:)`` without an `async` call (also the undo of a take, and a settled release).
    public func releaseNow(_ key: SaleItemKey, userID: String, quantity: Int) {
        guard quantity > 0, let item = item(key) else { return }
        item.release(userID: userID, quantity: quantity)
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
        items.withLock { $0[key] }
    }
}
