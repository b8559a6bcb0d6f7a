/// The columns the admin's order list can be sorted by.
public enum OrderSortKey: String, Sendable, CaseIterable {
    case createdAt, code, total, status, customer, paymentMethod

    /// The SQL expression (over `"order"`) this key sorts by.
    var column: String {
        switch self {
        case .createdAt: "\"order\".createdAt"
        case .code: "\"order\".code"
        case .total: "\"order\".total"
        case .status: "\"order\".status"
        case .customer: "\"order\".recipientName COLLATE NOCASE"
        case .paymentMethod: "\"order\".paymentMethod"
        }
    }
}

extension ListSort where Key == OrderSortKey {
    /// Newest first, the list's default.
    public static var newestOrders: Self { .init(.createdAt, descending: true) }
    /// ORDER BY clause with the id as the tie-breaker, so pages never overlap or skip.
    var orderBy: String { "ORDER BY \(key.column) \(direction), \"order\".id \(direction)" }
}
