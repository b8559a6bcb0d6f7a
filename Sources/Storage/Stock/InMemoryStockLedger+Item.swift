import Synchronization

extension InMemoryStockLedger {
    /// One sale item's counters, found once per call and then changed by compare-and-swap (the user's count too,
    /// ``StockUserCounts``). The atomics live inline in the object: no further pointer to follow.
    final class Item: ReadMostlyEntry {
        let key: SaleItemKey
        var tableHash: Int { key.hashCode }
        /// Both may change in place (``InMemoryStockLedger/redefine(_:quantity:perUserLimit:)``); the counts below never reset.
        let quantity: Atomic<Int>
        let perUserLimit: Atomic<Int>
        let remaining: Atomic<Int>
        let confirmed: Atomic<Int>
        let users: StockUserCounts
        /// Set by ``InMemoryStockLedger/retire(_:)`` only, cleared by ``InMemoryStockLedger/unretire(_:)`` (and a new
        /// `Item` from load or upsert). Never inferred from the counters: a release caught between lowering the user's
        /// count and raising `remaining` looks exactly like a retired item.
        let retired = Atomic(false)

        init(_ state: StockItemState) {
            key = state.key
            quantity = Atomic(state.quantity)
            perUserLimit = Atomic(state.perUserLimit)
            remaining = Atomic(state.quantity - state.held - state.confirmed)
            confirmed = Atomic(state.confirmed)
            users = StockUserCounts(state.perUser)
        }

        /// 1. The user's count, never past the limit; 2. the stock, never below zero — if it is short, step 1 is undone.
        func reserve(userID: String, quantity: Int) -> StockDecision {
            guard users.add(quantity, for: userID, upTo: perUserLimit.load(ordering: .acquiring)) else { return .limitExceeded }
            var current = remaining.load(ordering: .relaxed)
            while true {
                guard current >= quantity else {
                    users.subtract(quantity, for: userID)
                    return .soldOut
                }
                let (exchanged, original) = remaining.compareExchange(
                    expected: current,
                    desired: current - quantity,
                    ordering: .acquiringAndReleasing
                )
                if exchanged { return .taken }
                current = original
            }
        }

        /// Gives units back only if the user holds them: a release of units never taken changes nothing (it would
        /// otherwise raise `remaining` past what was sold and let the item oversell).
        func release(userID: String, quantity: Int) {
            guard users.subtract(quantity, for: userID) else { return }
            remaining.wrappingAdd(quantity, ordering: .acquiringAndReleasing)
        }
    }
}
