import Foundation
import Storage

/// Row 5: take + release pairs on the in-memory ledger, from one task (one core at a time), through the synchronous
/// steps a flash-sale service over the in-process ledger calls (``StockLedgerBackend``: `takeNow` when reserving,
/// `releaseNow` when a release settles or a take is undone). `--uuid-ids`: the users are 36-byte UUID strings, as the
/// shop's are (heap strings, retained when copied), instead of the short `user-N` (stored inline in the string itself).
/// Two figures: pairs per second of wall time, and per second of the loop thread's own CPU time — the rate of one core
/// the loop had to itself, which other work on a shared box changes far less than the wall rate. The loop never
/// suspends, so it runs on one thread from start to end.
struct LedgerBench {
    let seconds: Double
    var uuidIDs = false
    let maxPairs = 50_000_000

    func run() async throws {
        let ledger = InMemoryStockLedger()
        let key = SaleItemKey(saleID: "bench-sale", productID: "bench-product")
        try await ledger.load([StockItemState(key: key, quantity: 1_000_000, perUserLimit: 4, held: 0, confirmed: 0, perUser: [:])])
        let users = (0..<1024).map { uuidIDs ? UUID().uuidString.lowercased() : "user-\($0)" }
        var pairs = 0
        var refused = 0
        let watch = Stopwatch()
        let cpuStart = threadCPUSeconds()
        while pairs < maxPairs, watch.elapsed < seconds {
            for index in 0..<10_000 {
                let user = users[index & 1023]
                if ledger.takeNow(key, userID: user, quantity: 1).decision == .taken {
                    ledger.releaseNow(key, userID: user, quantity: 1)
                } else {
                    refused += 1
                }
            }
            pairs += 10_000
        }
        let elapsed = watch.elapsed
        let cpu = threadCPUSeconds() - cpuStart
        let kind = uuidIDs ? " (UUID ids)" : ""
        Figure(
            name: "ledger_pairs_per_s",
            value: Double(pairs) / elapsed,
            unit: "pairs/s",
            detail: "\(pairs) take+release pairs in \(String(format: "%.2f", elapsed)) s from one task, 1,024 users\(kind), \(refused) refused"
        ).emit()
        // No figure when the thread clock could not be read (JSON has no NaN).
        guard cpu.isFinite, cpu > 0 else { return }
        Figure(
            name: "ledger_pairs_per_cpu_s",
            value: Double(pairs) / cpu,
            unit: "pairs/CPU-s",
            detail: "the same pairs over the loop thread's CPU time, \(String(format: "%.2f", cpu)) s of the \(String(format: "%.2f", elapsed)) s"
        ).emit()
    }
}
