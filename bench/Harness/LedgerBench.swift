import Foundation
import Storage

/// Row 5: reserve + release pairs on the in-memory ledger, from one task (one core at a time).
struct LedgerBench {
    let seconds: Double
    let maxPairs = 50_000_000

    func run() async throws {
        let ledger = InMemoryStockLedger()
        let key = SaleItemKey(saleID: "bench-sale", productID: "bench-product")
        try await ledger.load([StockItemState(key: key, quantity: 1_000_000, perUserLimit: 4, held: 0, confirmed: 0, perUser: [:])])
        let users = (0..<1024).map { "user-\($0)" }
        var pairs = 0
        var refused = 0
        let watch = Stopwatch()
        while pairs < maxPairs, watch.elapsed < seconds {
            for index in 0..<10_000 {
                let user = users[index & 1023]
                if try await ledger.reserve(key, userID: user, quantity: 1) == .taken {
                    try await ledger.release(key, userID: user, quantity: 1)
                } else {
                    refused += 1
                }
            }
            pairs += 10_000
        }
        let elapsed = watch.elapsed
        Figure(
            name: "ledger_pairs_per_s",
            value: Double(pairs) / elapsed,
            unit: "pairs/s",
            detail: "\(pairs) reserve+release pairs in \(String(format: "%.2f", elapsed)) s from one task, 1,024 users, \(refused) refused"
        ).emit()
    }
}
