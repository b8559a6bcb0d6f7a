import Foundation

/// What Redis holds for one item, as reconciliation compares it with SQLite.
public struct RedisItemSnapshot: Sendable, Equatable {
    public var quantity: Int
    public var perUserLimit: Int
    public var remaining: Int
    public var confirmed: Int
    public var perUser: [String: Int]

    /// Whether these counters say what SQLite's `state` says.
    public func matches(_ state: StockItemState) -> Bool {
        quantity == state.quantity && perUserLimit == state.perUserLimit && confirmed == state.confirmed
            && remaining == state.quantity - state.held - state.confirmed && perUser == state.perUser.filter { $0.value > 0 }
    }
}

extension RedisStockLedger {
    /// The item's counters and per-user units, or nil when Redis does not have the item.
    public func snapshot(_ key: SaleItemKey) async throws -> RedisItemSnapshot? {
        let item = itemKey(key)
        let reply = try await client.send(["HMGET", item, "quantity", "limit", "remaining", "confirmed"])
        guard let fields = reply.array, fields.count == 4 else { throw RedisError.unexpectedReply("HMGET answered \(reply)") }
        guard let quantity = fields[0].int, let limit = fields[1].int, let remaining = fields[2].int, let confirmed = fields[3].int
        else { return nil }
        let users = try await client.send(["HGETALL", item + ":users"])
        guard let pairs = users.array, pairs.count % 2 == 0 else { throw RedisError.unexpectedReply("HGETALL answered \(users)") }
        var perUser: [String: Int] = [:]
        for index in stride(from: 0, to: pairs.count, by: 2) {
            if let user = pairs[index].string, let units = pairs[index + 1].int, units > 0 { perUser[user] = units }
        }
        return RedisItemSnapshot(quantity: quantity, perUserLimit: limit, remaining: remaining, confirmed: confirmed, perUser: perUser)
    }
}
