import GRDB

extension FlashSaleService {
    /// The ledger's state of every item of every scheduled or active sale, counted from the reservations (start-up
    /// and ``ExternalSaleSync``).
    ///
    /// The live reservations are summed per item, user and status by SQLite from the partial covering index
    /// `reservation_live_units` (migration `v15_ledger_live_reservations_index`), in its order: no sort, no read of a
    /// released row or of the table itself, and one row per user and status instead of one per reservation. Groups of
    /// sales that are over are skipped by the lookup.
    static func liveItemStates(_ db: Database) throws -> [StockItemState] {
        var states: [StockItemState] = []
        /// saleId → productId → position in `states`.
        var positions: [String: [String: Int]] = [:]
        let items = try Row.fetchCursor(
            db,
            sql: """
                SELECT flashSaleItem.saleId, flashSaleItem.productId, flashSaleItem.quantity, flashSaleItem.perUserLimit
                FROM flashSaleItem JOIN flashSale ON flashSale.id = flashSaleItem.saleId
                WHERE flashSale.status IN ('scheduled', 'active')
                """
        )
        while let item = try items.next() {
            let key = SaleItemKey(saleID: item[0], productID: item[1])
            positions[key.saleID, default: [:]][key.productID] = states.count
            states.append(StockItemState(key: key, quantity: item[2], perUserLimit: item[3], held: 0, confirmed: 0, perUser: [:]))
        }
        guard !states.isEmpty else { return [] }
        let reservations = try Row.fetchCursor(
            db,
            sql: """
                SELECT saleId, productId, userId, status = 'confirmed', SUM(quantity) FROM reservation INDEXED BY reservation_live_units
                WHERE status IN ('reserved', 'ordered', 'confirmed')
                GROUP BY saleId, productId, userId, status
                """
        )
        while let row = try reservations.next() {
            let saleID: String = row[0]
            guard let products = positions[saleID] else { continue }
            let productID: String = row[1]
            guard let position = products[productID] else { continue }
            let units: Int = row[4]
            if row[3] as Bool { states[position].confirmed += units } else { states[position].held += units }
            states[position].perUser[row[2] as String, default: 0] += units
        }
        return states
    }
}
