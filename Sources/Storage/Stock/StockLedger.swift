/// Identifies one item of one flash sale in the ledger. Its hash is computed once, when it is made: the in-memory ledger
/// finds the item by it on every call, and a key made once and passed along is never hashed again.
public struct SaleItemKey: Hashable, Sendable, CustomStringConvertible {
    public let saleID: String
    public let productID: String
    /// The SipHash of both ids, computed once (also the in-memory ledger's table hash).
    let hashCode: Int

    public init(saleID: String, productID: String) {
        self.saleID = saleID
        self.productID = productID
        var hasher = Hasher()
        hasher.combine(saleID)
        hasher.combine(productID)
        hashCode = hasher.finalize()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashCode) }

    /// The dictionary's hash, straight from the stored one (no `Hasher` pass per lookup); already a SipHash output.
    public func _rawHashValue(seed: Int) -> Int { hashCode ^ seed }

    public static func == (lhs: SaleItemKey, rhs: SaleItemKey) -> Bool {
        lhs.hashCode == rhs.hashCode && lhs.saleID == rhs.saleID && lhs.productID == rhs.productID
    }

    public var description: String { "\(saleID)/\(productID)" }
}

/// The answer to a reservation attempt.
public enum StockDecision: Sendable, Equatable {
    case taken
    /// The user already holds or bought `perUserLimit` (with this request they would exceed it).
    case limitExceeded
    /// Fewer than the requested units remain.
    case soldOut
    /// The item is not in the ledger (no such sale item, or the sale is over).
    case unknownItem
}

/// A reservation attempt's answer, with the epoch of the ledger it was taken on (``StockLedgerEpoch``; nil for a ledger
/// that lives and dies with this process and is never overwritten under a running reservation).
public struct StockTake: Sendable, Equatable {
    public var decision: StockDecision
    public var epoch: Int?

    public init(decision: StockDecision, epoch: Int? = nil) {
        self.decision = decision
        self.epoch = epoch
    }
}

/// Counters of one sale item: `held + confirmed + remaining == quantity` at every moment.
public struct StockLevel: Sendable, Equatable {
    public var quantity: Int
    public var held: Int
    public var confirmed: Int
    public var remaining: Int

    public init(quantity: Int, held: Int, confirmed: Int, remaining: Int) {
        self.quantity = quantity
        self.held = held
        self.confirmed = confirmed
        self.remaining = remaining
    }
}

/// What the ledger is loaded with at start-up (from SQLite, the source of truth).
public struct StockItemState: Sendable, Equatable {
    public var key: SaleItemKey
    public var quantity: Int
    public var perUserLimit: Int
    public var held: Int
    public var confirmed: Int
    /// Per user: units held plus units confirmed.
    public var perUser: [String: Int]

    public init(key: SaleItemKey, quantity: Int, perUserLimit: Int, held: Int, confirmed: Int, perUser: [String: Int]) {
        self.key = key
        self.quantity = quantity
        self.perUserLimit = perUserLimit
        self.held = held
        self.confirmed = confirmed
        self.perUser = perUser
    }
}

/// The fast, shared stock counters of flash sales. SQLite stays the source of truth: the ledger is rebuilt
/// from it at start-up and every successful step is followed by (or undone after) a reservation write.
///
/// Each operation is one atomic step, so that a Redis implementation can be one Lua script per operation:
/// `reserve` checks the per-user limit and the stock and takes both, or takes nothing.
public protocol StockLedger: Sendable {
    /// Replaces the whole ledger with the given items (start-up, or a sale's items being (re)loaded).
    func load(_ items: [StockItemState]) async throws
    /// Adds or replaces some items and leaves the others alone (a sale created, or changed before it starts).
    func upsert(_ items: [StockItemState]) async throws
    /// Adds the items that are not in the ledger yet and leaves every known item as it is (a sale another process
    /// created): a concurrent in-process load of the same item, with reservations already taken, is never reset.
    func insertMissing(_ items: [StockItemState]) async throws
    /// Changes a known item's quantity and per-user limit in place (a sale edited by another process), keeping its
    /// held, confirmed and per-user counts — units in flight are never reset; `remaining` moves by the change in
    /// quantity. Returns false, changing nothing, when the item is not in the ledger.
    func redefine(_ key: SaleItemKey, quantity: Int, perUserLimit: Int) async throws -> Bool
    /// Takes `quantity` units for `userID` if the user stays within the item's per-user limit and that many remain.
    func reserve(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockDecision
    /// Gives held units back (released, expired, or a failed write undone).
    func release(_ key: SaleItemKey, userID: String, quantity: Int) async throws
    /// Moves held units to confirmed (paid); they stay counted against the user's limit.
    func confirm(_ key: SaleItemKey, quantity: Int) async throws
    /// Gives confirmed units back (an order cancelled or refunded after payment).
    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int) async throws
    /// Takes every unit of an item in one atomic step, only while none is held or sold (a sale's items are
    /// about to be replaced): from then on every reservation of it is sold out, also one already in flight.
    /// Returns false, changing nothing, when units are taken; true for an item the ledger does not know.
    func retire(_ key: SaleItemKey) async throws -> Bool
    /// Undoes ``retire(_:)`` when the change it prepared did not happen.
    func unretire(_ key: SaleItemKey) async throws
    func level(_ key: SaleItemKey) async throws -> StockLevel?
    /// Units the user holds or bought of an item.
    func taken(_ key: SaleItemKey, userID: String) async throws -> Int
    /// ``reserve(_:userID:quantity:)``, answering also the epoch the units were taken under.
    func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake
    /// Gives back the units of a take whose reservation row did not commit; ignored by a ledger loaded (from SQLite)
    /// since the take, which never counted them.
    func undo(_ take: StockTake, _ key: SaleItemKey, userID: String, quantity: Int) async throws
    /// ``load(_:)`` stamped with `epoch` (``StockLedgerEpoch/next(_:)``, read in the transaction that read `items`).
    func load(_ items: [StockItemState], epoch: Int) async throws
    /// ``release(_:userID:quantity:)`` following a committed transaction that read `epoch` (``StockSettlement/epoch``):
    /// ignored by a ledger loaded under another epoch. A newer ledger's load read SQLite after that commit and already
    /// counted it; an older one is about to be overwritten by a load that did not (the step is lost either way: units stay
    /// counted as taken, never as free, until reconciliation repairs them).
    func release(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws
    /// ``confirm(_:quantity:)`` stamped with the epoch its transaction read, fenced like ``release(_:userID:quantity:epoch:)``.
    func confirm(_ key: SaleItemKey, quantity: Int, epoch: Int?) async throws
    /// ``returnConfirmed(_:userID:quantity:)`` stamped with the epoch its transaction read, fenced the same way.
    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws
}

extension StockLedger {
    public func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake {
        StockTake(decision: try await reserve(key, userID: userID, quantity: quantity))
    }

    public func undo(_ take: StockTake, _ key: SaleItemKey, userID: String, quantity: Int) async throws {
        try await release(key, userID: userID, quantity: quantity)
    }

    public func load(_ items: [StockItemState], epoch: Int) async throws {
        try await load(items)
    }

    public func release(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        try await release(key, userID: userID, quantity: quantity)
    }

    public func confirm(_ key: SaleItemKey, quantity: Int, epoch: Int?) async throws {
        try await confirm(key, quantity: quantity)
    }

    public func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        try await returnConfirmed(key, userID: userID, quantity: quantity)
    }
}
