import Storage
import Synchronization

/// The product list's parsed, validated query and its cache key, remembered by the request's exact target (path and
/// query, byte for byte: ``ExactText``). A shop's pages ask for a few lists over and over (`?limit=20`, a category's
/// first page), and parsing the query and writing the key cost more than finding the cached answer.
///
/// Both are a function of the target's bytes alone — the same bytes parse to the same parameters — so a remembered
/// answer is what parsing again would give. The caller must not keep a target that asks for inactive products: its
/// answer depends on who asks, and a customer's such target parses to a query without them, so only the caller can
/// tell. A query that does not validate is never kept either (it throws before). Bounded: targets
/// longer than ``maxTargetBytes`` are not kept, and at ``maxCount`` entries all are forgotten at once.
final class ProductQueryMemo: Sendable {
    /// What one target parses to.
    struct Parsed: Sendable {
        let query: ProductQuery
        let key: String
    }

    static var maxTargetBytes: Int { 512 }
    private let parsed = Mutex<[ExactText: Parsed]>([:])
    let maxCount: Int

    init(maxCount: Int = 1_024) {
        self.maxCount = maxCount
    }

    /// What `target` parsed to before, if it was kept.
    func parsed(_ target: Substring) -> Parsed? {
        guard target.utf8.count <= Self.maxTargetBytes else { return nil }
        return parsed.withLock { $0[ExactText(target)] }
    }

    /// Keeps what `target` parsed to; the caller keeps only a query that does not ask for inactive products.
    func keep(_ value: Parsed, for target: Substring) {
        guard target.utf8.count <= Self.maxTargetBytes else { return }
        let key = ExactText(target).owned
        parsed.withLock { kept in
            if kept.count >= maxCount { kept.removeAll(keepingCapacity: true) }
            kept[key] = value
        }
    }

    /// Targets held (for tests of the bound).
    var count: Int { parsed.withLock { $0.count } }
}
