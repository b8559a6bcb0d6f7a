import Foundation
import Logging
import Metrics

/// The stock ledger shared by every instance of a cluster, in Redis. Each operation is one Lua script
/// (``RedisStockScripts``), so the per-user limit check and the take are one atomic step across processes.
///
/// Keys live under `namespace`: `<ns>:sale:<sale>:item:<product>` (a hash of the item's counters),
/// the same with `:users` (a hash of units per user), and `<ns>:items` (the index `load` replaces).
/// A release, confirm or return the counters cannot honour (a double release, a confirm of released
/// units) changes nothing and is logged and counted as `klelite_stock_ledger_refused_total`: SQLite's
/// reservation rows stay the source of truth, and reconciliation repairs the counters from them.
/// Redis being unreachable throws a ``RedisError``; the ledger never falls back to local counts.
public final class RedisStockLedger: StockLedger {
    let client: RedisClient
    let namespace: String
    let logger: Logger

    public init(client: RedisClient, namespace: String = "klelite:stock", logger: Logger = Logger(label: "klelite.stock.redis")) {
        self.client = client
        self.namespace = namespace
        self.logger = logger
    }

    public func load(_ items: [StockItemState]) async throws {
        try await write(items, replacing: true)
    }

    public func upsert(_ items: [StockItemState]) async throws {
        try await write(items, replacing: false)
    }

    /// Also writes `items` with `epoch` stamped on the loaded marker, unless a load with a newer epoch came first.
    public func load(_ items: [StockItemState], epoch: Int) async throws {
        try await write(items, replacing: true, epoch: epoch)
    }

    /// Adds nothing while the ledger is not loaded: the coming load from SQLite writes every item.
    public func insertMissing(_ items: [StockItemState]) async throws {
        guard !items.isEmpty else { return }
        _ = try await client.evaluate(RedisStockScripts.insertMissing, keys: ["\(namespace):items", loadedKey], arguments: [try payload(items)])
    }

    /// Also refused (false, nothing changed) when `quantity` is below the units already held plus confirmed.
    public func redefine(_ key: SaleItemKey, quantity: Int, perUserLimit: Int) async throws -> Bool {
        let reply = try await client.evaluate(RedisStockScripts.redefine, keys: keys(key), arguments: [String(quantity), String(perUserLimit)])
        switch reply.string {
        case "done": return true
        case "unknown": return false
        case "refused":
            logger.warning("stock ledger redefine refused", metadata: ["item": "\(key)", "quantity": "\(quantity)"])
            Counter(label: "klelite_stock_ledger_refused_total", dimensions: [("operation", "redefine")]).increment()
            return false
        default: throw RedisError.unexpectedReply("redefine answered \(reply)")
        }
    }

    public func retire(_ key: SaleItemKey) async throws -> Bool {
        let reply = try await client.evaluate(RedisStockScripts.retire, keys: keys(key), arguments: [])
        switch reply.string {
        case "retired", "unknown": return true
        case "taken": return false
        default: throw RedisError.unexpectedReply("retire answered \(reply)")
        }
    }

    public func unretire(_ key: SaleItemKey) async throws {
        let reply = try await client.evaluate(RedisStockScripts.unretire, keys: keys(key), arguments: [])
        if reply.string == "unknown" { return }  // retire answers true for an unknown item; nothing to undo
        try check(reply, "unretire", key, 0)
    }

    public func reserve(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockDecision {
        try await take(key, userID: userID, quantity: quantity).decision
    }

    /// Throws ``RedisError/unavailable`` while the ledger is not loaded (Redis came back empty, not rebuilt yet).
    public func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake {
        guard quantity > 0 else { return StockTake(decision: .unknownItem) }
        let reply = try await client.evaluate(RedisStockScripts.reserve, keys: keys(key), arguments: [userID, String(quantity)])
        switch reply.string {
        case "limit": return StockTake(decision: .limitExceeded)
        case "soldout": return StockTake(decision: .soldOut)
        case "unknown": return StockTake(decision: .unknownItem)
        case "unloaded": throw RedisError.unavailable
        case let answer? where answer.hasPrefix("taken "):
            guard let epoch = Int(answer.dropFirst("taken ".count)) else { throw RedisError.unexpectedReply("reserve answered \(reply)") }
            return StockTake(decision: .taken, epoch: epoch)
        default: throw RedisError.unexpectedReply("reserve answered \(reply)")
        }
    }

    public func release(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await release(key, userID: userID, quantity: quantity, epoch: nil)
    }

    public func undo(_ take: StockTake, _ key: SaleItemKey, userID: String, quantity: Int) async throws {
        guard take.decision == .taken else { return }
        try await release(key, userID: userID, quantity: quantity, epoch: take.epoch)
    }

    /// Ignored ('stale', logged) when the ledger was loaded under another epoch than `epoch`.
    public func release(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        guard quantity > 0 else { return }
        let arguments = [userID, String(quantity), Self.stamp(epoch)]
        let reply = try await client.evaluate(RedisStockScripts.release, keys: keys(key), arguments: arguments)
        try check(reply, "release", key, quantity)
    }

    public func confirm(_ key: SaleItemKey, quantity: Int) async throws {
        try await confirm(key, quantity: quantity, epoch: nil)
    }

    /// Ignored ('stale', logged) when the ledger was loaded under another epoch than `epoch`.
    public func confirm(_ key: SaleItemKey, quantity: Int, epoch: Int?) async throws {
        guard quantity > 0 else { return }
        let reply = try await client.evaluate(RedisStockScripts.confirm, keys: keys(key), arguments: [String(quantity), Self.stamp(epoch)])
        try check(reply, "confirm", key, quantity)
    }

    public func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await returnConfirmed(key, userID: userID, quantity: quantity, epoch: nil)
    }

    /// Ignored ('stale', logged) when the ledger was loaded under another epoch than `epoch`.
    public func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        guard quantity > 0 else { return }
        let arguments = [userID, String(quantity), Self.stamp(epoch)]
        let reply = try await client.evaluate(RedisStockScripts.returnConfirmed, keys: keys(key), arguments: arguments)
        try check(reply, "returnConfirmed", key, quantity)
    }

    /// The epoch argument of a fenced script: '' applies the step under any epoch.
    private static func stamp(_ epoch: Int?) -> String { epoch.map(String.init) ?? "" }

    /// Throws ``RedisError/unavailable`` while the ledger is not loaded: its counters would not be the shop's.
    public func level(_ key: SaleItemKey) async throws -> StockLevel? {
        let reply = try await client.evaluate(RedisStockScripts.level, keys: keys(key), arguments: [])
        if reply.string == "unloaded" { throw RedisError.unavailable }
        guard let fields = reply.array, fields.count == 3 else { throw RedisError.unexpectedReply("HMGET answered \(reply)") }
        guard let quantity = fields[0].int, let remaining = fields[1].int, let confirmed = fields[2].int else { return nil }
        return StockLevel(quantity: quantity, held: quantity - remaining - confirmed, confirmed: confirmed, remaining: remaining)
    }

    public func taken(_ key: SaleItemKey, userID: String) async throws -> Int {
        let reply = try await client.send(["HGET", itemKey(key) + ":users", userID])
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply.int ?? 0
    }

    /// Set (atomically with the items) by every full ``load(_:)``; absent after Redis lost its data.
    public var loadedKey: String { "\(namespace):loaded" }

    /// Whether the ledger was loaded since Redis last started empty.
    public func isLoaded() async throws -> Bool {
        let reply = try await client.send(["EXISTS", loadedKey])
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply.int == 1
    }

    /// The item's hash key: components are escaped so that an id holding `:` cannot collide with another key.
    func itemKey(_ key: SaleItemKey) -> String {
        "\(namespace):sale:\(Self.escape(key.saleID)):item:\(Self.escape(key.productID))"
    }

    /// The item's hash, its users hash and the loaded marker (read by the scripts that check the epoch).
    private func keys(_ key: SaleItemKey) -> [String] {
        let item = itemKey(key)
        return [item, item + ":users", loadedKey]
    }

    private static func escape(_ component: String) -> String {
        component.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: ":", with: "%3A")
    }

    private func check(_ reply: RedisReply, _ operation: String, _ key: SaleItemKey, _ quantity: Int) throws {
        switch reply.string {
        case "done": return
        case "stale":
            // The ledger was reloaded from SQLite since the step's epoch was read: the load's counts decide its units.
            logger.notice("a step from before the ledger was reloaded is skipped", metadata: ["operation": "\(operation)", "item": "\(key)"])
            Counter(label: "klelite_stock_ledger_stale_total", dimensions: [("operation", operation)]).increment()
        case "refused", "unknown":
            logger.warning("stock ledger step refused", metadata: ["operation": "\(operation)", "item": "\(key)", "quantity": "\(quantity)"])
            Counter(label: "klelite_stock_ledger_refused_total", dimensions: [("operation", operation)]).increment()
        default: throw RedisError.unexpectedReply("\(operation) answered \(reply)")
        }
    }

    private struct LoadItem: Encodable {
        let key: String
        let users: String
        let quantity: Int
        let limit: Int
        let remaining: Int
        let confirmed: Int
        let perUser: [[Entry]]

        enum Entry: Encodable {
            case user(String)
            case units(Int)

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .user(let id): try container.encode(id)
                case .units(let units): try container.encode(units)
                }
            }
        }
    }

    private func write(_ items: [StockItemState], replacing: Bool, epoch: Int? = nil) async throws {
        let reply = try await client.evaluate(
            RedisStockScripts.load,
            keys: ["\(namespace):items", loadedKey],
            arguments: [replacing ? "1" : "0", try payload(items), epoch.map(String.init) ?? ""]
        )
        if reply.int == -1 { logger.notice("a ledger load older than the one in Redis was skipped", metadata: ["epoch": "\(epoch ?? 0)"]) }
    }

    /// The JSON the load and insert scripts read.
    func payload(_ items: [StockItemState]) throws -> String {
        let payload = items.map { state in
            let item = itemKey(state.key)
            return LoadItem(
                key: item,
                users: item + ":users",
                quantity: state.quantity,
                limit: state.perUserLimit,
                remaining: state.quantity - state.held - state.confirmed,
                confirmed: state.confirmed,
                perUser: state.perUser.sorted { $0.key < $1.key }.map { [.user($0.key), .units($0.value)] }
            )
        }
        return String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
    }
}
