import GRDB

extension FlashSaleService {
    /// The ledger's state of sale items, counted from the reservations: with `saleID` nil, every item of every
    /// scheduled or active sale (start-up, ``ExternalSaleSync``, ``StockReconciler``); else the items of that sale.
    ///
    /// Each item's live reservations are read from the covering index `reservation_item_units` (migration
    /// `v17_reservation_item_units_index`): one seek per item and status, no read of a released row or of the table
    /// itself. The units are summed per user here.
    static func itemStates(_ db: Database, saleID: String?) throws -> [StockItemState] {
        try counted(db, try itemDefinitions(db, saleID: saleID))
    }

    /// The items as defined, their counts zero: with `saleID` nil, every item of every scheduled or active sale; else
    /// the items of that sale.
    static func itemDefinitions(_ db: Database, saleID: String?) throws -> [StockItemState] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT flashSaleItem.saleId, flashSaleItem.productId, flashSaleItem.quantity, flashSaleItem.perUserLimit
                FROM flashSaleItem JOIN flashSale ON flashSale.id = flashSaleItem.saleId
                WHERE \(saleID == nil ? "flashSale.status IN ('scheduled', 'active')" : "flashSale.id = ?")
                """,
            arguments: saleID.map { [$0] } ?? []
        ).map { item in
            StockItemState(
                key: SaleItemKey(saleID: item[0], productID: item[1]),
                quantity: item[2],
                perUserLimit: item[3],
                held: 0,
                confirmed: 0,
                perUser: [:]
            )
        }
    }

    /// `items` with their held, confirmed and per-user units counted from their live reservations.
    static func counted(_ db: Database, _ items: [StockItemState]) throws -> [StockItemState] {
        let units = try db.cachedStatement(sql: liveUnitsSQL)
        return try items.map { item in
            var state = item
            (state.held, state.confirmed, state.perUser) = (0, 0, [:])
            let rows = try Row.fetchCursor(units, arguments: [item.key.saleID, item.key.productID])
            while let row = try rows.next() {
                let quantity: Int = row[2]
                if row[1] as Bool { state.confirmed += quantity } else { state.held += quantity }
                state.perUser[row[0] as String, default: 0] += quantity
            }
            return state
        }
    }

    /// An item's live reservations: user, whether sold, units. `INDEXED BY`: without its index the query fails
    /// instead of reading the table.
    static let liveUnitsSQL = """
        SELECT userId, status = 'confirmed', quantity FROM reservation INDEXED BY reservation_item_units
        WHERE saleId = ? AND productId = ? AND status IN ('reserved', 'ordered', 'confirmed')
        """
}
