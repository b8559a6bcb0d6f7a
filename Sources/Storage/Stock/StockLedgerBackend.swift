/// The ledger a flash-sale service takes and gives back units on, chosen once when the service is made: the in-process
/// ledger is called directly, without an `async` call per step (nothing in it ever awaits: its state is atomics and
/// short locks); any other ledger (Redis, a test's wrapper) through the async ``StockLedger`` protocol, unchanged.
enum StockLedgerBackend: Sendable {
    case inProcess(InMemoryStockLedger)
    case shared(any StockLedger)

    init(_ ledger: any StockLedger) {
        if let local = ledger as? InMemoryStockLedger { self = .inProcess(local) } else { self = .shared(ledger) }
    }

    func take(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockTake {
        switch self {
        case .inProcess(let ledger): return ledger.takeNow(key, userID: userID, quantity: quantity)
        case .shared(let ledger): return try await ledger.take(key, userID: userID, quantity: quantity)
        }
    }

    func undo(_ take: StockTake, _ key: SaleItemKey, userID: String, quantity: Int) async throws {
        switch self {
        case .inProcess(let ledger): ledger.releaseNow(key, userID: userID, quantity: quantity)
        case .shared(let ledger): try await ledger.undo(take, key, userID: userID, quantity: quantity)
        }
    }

    func release(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        switch self {
        case .inProcess(let ledger): ledger.releaseNow(key, userID: userID, quantity: quantity)
        case .shared(let ledger): try await ledger.release(key, userID: userID, quantity: quantity, epoch: epoch)
        }
    }

    func confirm(_ key: SaleItemKey, quantity: Int, epoch: Int?) async throws {
        switch self {
        case .inProcess(let ledger): ledger.confirmNow(key, quantity: quantity)
        case .shared(let ledger): try await ledger.confirm(key, quantity: quantity, epoch: epoch)
        }
    }

    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int, epoch: Int?) async throws {
        switch self {
        case .inProcess(let ledger): ledger.returnConfirmedNow(key, userID: userID, quantity: quantity)
        case .shared(let ledger): try await ledger.returnConfirmed(key, userID: userID, quantity: quantity, epoch: epoch)
        }
    }
}
