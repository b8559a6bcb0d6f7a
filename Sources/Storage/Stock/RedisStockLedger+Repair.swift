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
    /// KEYS: the item hash, its users hash. ARGV: expected remaining, expected confirmed, expected sum of the users
    /// hash, then the item's new JSON (as ``RedisStockScripts/load`` reads one item). Rewrites the item only if its
    /// counters are still the expected ones — a reservation taken since they were read makes it answer 'moved'.
    static let repairScript = RedisScript(
        """
        local item = redis.call('HMGET', KEYS[1], 'remaining', 'confirmed')
        local total = 0
        for _, units in ipairs(redis.call('HVALS', KEYS[2])) do total = total + tonumber(units) end
        if item[1] ~= ARGV[1] or item[2] ~= ARGV[2] or tostring(total) ~= ARGV[3] then return 'moved' end
        local new = cjson.decode(ARGV[4])[1]
        redis.call('DEL', KEYS[1], KEYS[2])
        redis.call('HSET', KEYS[1], 'quantity', new.quantity, 'limit', new.limit, 'remaining', new.remaining, 'confirmed', new.confirmed)
        for _, pair in ipairs(new.perUser) do
          if pair[2] > 0 then redis.call('HSET', KEYS[2], pair[1], pair[2]) end
        end
        return 'done'
        """
    )

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

    /// Rewrites an item from SQLite's `state` if Redis still holds `expected`; false when it moved meanwhile.
    public func repair(_ state: StockItemState, expected: RedisItemSnapshot) async throws -> Bool {
        let item = itemKey(state.key)
        let reply = try await client.evaluate(
            Self.repairScript,
            keys: [item, item + ":users"],
            arguments: [
                String(expected.remaining), String(expected.confirmed), String(expected.perUser.values.reduce(0, +)), try payload([state]),
            ]
        )
        return reply.string == "done"
    }
}
