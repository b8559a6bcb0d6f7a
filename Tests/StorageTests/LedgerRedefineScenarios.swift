import Testing

@testable import Storage

/// The `redefine` rules every `StockLedger` shares (run against the in-memory ledger and against Redis), so the
/// two backends cannot drift: a sale edited under live reservations keeps its counts, never shrinks below the
/// units already held or sold, and a retired item stays retired.
enum LedgerRedefineScenarios {
    static let key = SaleItemKey(saleID: "sale", productID: "cake")

    static func item(quantity: Int, limit: Int) -> StockItemState {
        StockItemState(key: key, quantity: quantity, perUserLimit: limit, held: 0, confirmed: 0, perUser: [:])
    }

    /// Loaded with `item(quantity: 5, limit: 2)`.
    static func keepsCountsAndRefusesShrinkingBelowWhatIsTaken(_ ledger: any StockLedger) async throws {
        #expect(try await ledger.reserve(key, userID: "a", quantity: 2) == .taken)
        try await ledger.confirm(key, quantity: 1)
        #expect(try await ledger.redefine(key, quantity: 8, perUserLimit: 3))
        #expect(try await ledger.level(key) == StockLevel(quantity: 8, held: 1, confirmed: 1, remaining: 6))
        #expect(try await ledger.taken(key, userID: "a") == 2)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .taken)  // the new limit
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .limitExceeded)
        #expect(try await ledger.redefine(key, quantity: 2, perUserLimit: 9) == false)  // 2 held + 1 confirmed
        #expect(try await ledger.level(key) == StockLevel(quantity: 8, held: 2, confirmed: 1, remaining: 5))
        #expect(try await ledger.reserve(key, userID: "b", quantity: 4) == .limitExceeded)  // the limit is still 3
        #expect(try await ledger.redefine(key, quantity: 3, perUserLimit: 3))
        #expect(try await ledger.level(key) == StockLevel(quantity: 3, held: 2, confirmed: 1, remaining: 0))
        #expect(try await ledger.reserve(key, userID: "b", quantity: 1) == .soldOut)
        #expect(try await ledger.redefine(SaleItemKey(saleID: "sale", productID: "none"), quantity: 1, perUserLimit: 1) == false)
    }

    /// Loaded with `item(quantity: 4, limit: 2)`.
    static func aRetiredItemStaysRetired(_ ledger: any StockLedger) async throws {
        #expect(try await ledger.retire(key))
        #expect(try await ledger.redefine(key, quantity: 2, perUserLimit: 1))
        #expect(try await ledger.level(key)?.remaining == 0)
        #expect(try await ledger.reserve(key, userID: "a", quantity: 1) == .soldOut)
        try await ledger.unretire(key)
        #expect(try await ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 0, remaining: 2))
    }
}
