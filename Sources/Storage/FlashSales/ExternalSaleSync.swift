import Foundation
import GRDB
import Synchronization

/// Brings this process's stock ledger up to date with flash sales that another process created or changed (a CLI
/// command, or another instance), reading only committed rows.
///
/// An item the ledger does not know is added from SQLite (never replacing one that an in-process path loaded
/// meanwhile); an item whose quantity or per-user limit changed since the last pass is redefined in place. Held,
/// confirmed and per-user counts are never reset, so reservations in flight — taken in the ledger, their row not
/// yet committed — keep their units.
public final class ExternalSaleSync: Sendable {
    struct Definition: Equatable, Sendable {
        let quantity: Int
        let perUserLimit: Int
    }

    let sales: FlashSaleService
    /// The definitions of every scheduled or active sale item as the previous pass read them.
    private let seen = Mutex<[SaleItemKey: Definition]>([:])

    public init(sales: FlashSaleService) {
        self.sales = sales
    }

    /// One pass; returns the ids of the sales whose items were added or redefined.
    @discardableResult
    public func absorb() async throws -> Set<String> {
        // Definitions only: counting every live reservation is needed only for an item the ledger lacks, and this pass
        // runs on every commit of another process (a rush in cluster mode).
        let states = try await sales.database.read { db in try FlashSaleService.itemDefinitions(db, saleID: nil) }
        let current = Dictionary(
            states.map { ($0.key, Definition(quantity: $0.quantity, perUserLimit: $0.perUserLimit)) },
            uniquingKeysWith: { _, last in last }
        )
        let previous = seen.withLock { $0 }
        var missing: [StockItemState] = []
        var touched = Set<String>()
        for state in states {
            guard try await sales.ledger.level(state.key) != nil else {
                missing.append(state)
                touched.insert(state.key.saleID)
                continue
            }
            let definition = current[state.key]
            if let before = previous[state.key], before != definition, let definition {
                if try await sales.ledger.redefine(state.key, quantity: definition.quantity, perUserLimit: definition.perUserLimit) {
                    touched.insert(state.key.saleID)
                }
            }
        }
        if !missing.isEmpty {
            // Counted in a later snapshot than the definitions: a definition changed in between is redefined next pass.
            let counted = try await sales.database.read { [missing] db in try FlashSaleService.counted(db, missing) }
            try await sales.ledger.insertMissing(counted)
        }
        seen.withLock { $0 = current }
        // A sale's boundaries or a new reservation expiry may now come earlier than the clock's sleep.
        sales.wake.notify()
        for saleID in touched { sales.stockChanges.changed(saleID: saleID) }
        return touched
    }
}
