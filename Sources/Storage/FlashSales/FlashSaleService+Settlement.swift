import Foundation
import GRDB

/// What one committed transaction did to reservations, returned as a value so that the ledger follows the
/// commit in one place (``FlashSaleService/settle(_:)``) and never runs ahead of, or behind, SQLite.
///
/// A settlement with units in it can only be built inside its transaction (``init(_:confirmed:released:)`` reads the
/// ``StockLedgerEpoch`` there), and its ledger steps carry that epoch: when a reload of the shared ledger from SQLite
/// lands between the commit and the steps, the reload already counted the transaction and the steps are ignored.
public struct StockSettlement: Sendable, Equatable {
    /// Reservations sold in the transaction: their units move from held to confirmed.
    public private(set) var confirmed: [Reservation]
    /// Reservations released in the transaction, each with its status from before: held units go back to
    /// the sale, sold ones leave the confirmed count.
    public private(set) var released: [Reservation]
    /// The ledger epoch SQLite held when the transaction ran; nil when nothing was confirmed or released.
    public private(set) var epoch: Int?

    /// Nothing to settle.
    public init() {
        confirmed = []
        released = []
    }

    /// What the transaction of `db` confirmed and released, stamped with the ledger epoch read in that transaction.
    init(_ db: Database, confirmed: [Reservation] = [], released: [Reservation] = []) throws {
        self.confirmed = confirmed
        self.released = released
        if !confirmed.isEmpty || !released.isEmpty { epoch = try StockLedgerEpoch.current(db) }
    }

    public var isEmpty: Bool { confirmed.isEmpty && released.isEmpty }
}

/// Flash-sale units are physical cakes: a sale sets its quantity aside from the product's stock when it is
/// created, an order line from a reservation consumes a unit of the sale, and whatever a closing sale did
/// not sell (and every unit released after it closed) goes back to the product's stock. So
/// `product.stock + units of open sales + units held in closed sales + units in open orders` never changes
/// except by delivery or an admin's stock edit.
extension FlashSaleService {
    /// A unit released after its sale closed has no sale to go back to: it returns to the product's stock.
    static func returnUnitsOfClosedSales(_ db: Database, _ released: [Reservation]) throws {
        var closed: [String: Bool] = [:]
        for reservation in released {
            if closed[reservation.saleId] == nil {
                let status = try FlashSaleStore.SaleRecord.fetchOne(db, key: reservation.saleId)?.status
                closed[reservation.saleId] = status == .ended || status == .cancelled
            }
            guard closed[reservation.saleId] == true else { continue }
            try ProductStore.returnStock(db, productID: reservation.productId, quantity: reservation.quantity)
        }
    }

    /// Gives the units of a closing sale that are neither held, ordered nor sold back to the products' stock.
    /// Run in the transaction that ends or cancels the sale (after releasing what it releases).
    static func returnUnsoldUnits(_ db: Database, saleID: String) throws {
        try db.execute(
            sql: """
                UPDATE product SET stock = stock + (
                    SELECT item.quantity - COALESCE((SELECT SUM(r.quantity) FROM reservation r WHERE r.saleId = item.saleId
                        AND r.productId = item.productId AND r.status IN ('reserved', 'ordered', 'confirmed')), 0)
                    FROM flashSaleItem item WHERE item.saleId = ? AND item.productId = product.id)
                WHERE id IN (SELECT productId FROM flashSaleItem WHERE saleId = ?)
                """,
            arguments: [saleID, saleID]
        )
    }

    /// Takes a sale's units from the products' stock (a conditional update: never below zero); 409 naming
    /// each item that is short.
    static func setAside(_ db: Database, _ items: [FlashSaleDraft.Item]) throws {
        var shortages: [String: String] = [:]
        for (index, item) in items.enumerated() {
            if let stock = try ProductStore.takeStock(db, productID: item.productId, quantity: item.quantity) {
                shortages["items[\(index)].quantity"] = "only \(stock) in stock"
            }
        }
        guard shortages.isEmpty else {
            throw AppError(.conflict, "The products do not have that many units in stock to set aside for the sale.", fields: shortages)
        }
    }

    /// Makes the ledger follow a committed transaction. It does not throw: the work is committed, and a
    /// caller must never be told that committed work failed. (SQLite stays the truth the ledger is rebuilt
    /// from at start-up.)
    public func settle(_ settlement: StockSettlement) async {
        let epoch = settlement.epoch
        for reservation in settlement.confirmed {
            let key = SaleItemKey(saleID: reservation.saleId, productID: reservation.productId)
            try? await ledgerSteps.confirm(key, quantity: reservation.quantity, epoch: epoch)
        }
        for reservation in settlement.released {
            let key = SaleItemKey(saleID: reservation.saleId, productID: reservation.productId)
            if reservation.status == .confirmed {
                try? await ledgerSteps.returnConfirmed(key, userID: reservation.userId, quantity: reservation.quantity, epoch: epoch)
            } else {
                try? await ledgerSteps.release(key, userID: reservation.userId, quantity: reservation.quantity, epoch: epoch)
            }
        }
        for sale in Set((settlement.confirmed + settlement.released).map(\.saleId)) { stockChanges.changed(saleID: sale) }
    }
}
