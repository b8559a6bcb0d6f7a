import Foundation
import GRDB

extension FlashSaleService {
    /// Creates a sale with its items. A sale whose window has already begun is `active` at once.
    public func create(_ draft: FlashSaleDraft) async throws -> FlashSale {
        let now = clock.now()
        try Self.validate(draft, now: now, isNew: true)
        let id = UUID().uuidString.lowercased()
        let states = try await database.write { db -> [StockItemState] in
            try Self.checkItems(db, draft.items)
            let slug = try CatalogRules.uniqueSlug(db, table: "flashSale", requested: draft.slug, name: draft.name, excluding: nil)
            try db.execute(
                sql: """
                    INSERT INTO flashSale (id, slug, name, description, bannerImage, startsAt, endsAt, status, earlyAccessTier,
                        earlyAccessMinutes, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, slug, draft.name.trimmedOfWhitespace, draft.description, draft.bannerImage, draft.startsAt,
                    draft.endsAt, (draft.startsAt <= now ? FlashSaleStatus.active : .scheduled).rawValue, draft.earlyAccessTier,
                    draft.earlyAccessMinutes, now, now,
                ]
            )
            try Self.setAside(db, draft.items)
            try Self.insertItems(db, saleID: id, draft.items)
            return try Self.itemStates(db, saleID: id)
        }
        // The sale is committed: a ledger that fails here leaves its items unknown (reservations answer
        // not_active) until the next rebuild, but never turns the committed sale into an error.
        try? await ledger.upsert(states)
        wake.notify()
        return try await sale(idOrSlug: id)
    }

    /// Changes a sale that has not started yet. Its items are replaced by the draft's only while nobody holds
    /// or bought any unit of it (409 otherwise): reservations are never deleted, and the ledger is never reset
    /// under a reservation in flight (its items are retired first, atomically, only if untouched).
    public func update(id: String, _ draft: FlashSaleDraft) async throws -> FlashSale {
        let now = clock.now()
        try Self.validate(draft, now: now, isNew: false)
        let current = try await database.read { db -> [FlashSaleDraft.Item] in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM flashSale WHERE id = ?)", arguments: [id]) == true else {
                throw AppError.notFound("The flash sale")
            }
            return try Self.items(db, saleID: id)
        }
        let changesItems = Self.describe(current) != Self.describe(draft.items)
        var retired: [SaleItemKey] = []
        if changesItems {
            for item in current {
                let key = SaleItemKey(saleID: id, productID: item.productId)
                guard try await ledger.retire(key) else {
                    for key in retired { try? await ledger.unretire(key) }
                    throw Self.itemsLocked
                }
                retired.append(key)
            }
        }
        let states: [StockItemState]
        do {
            states = try await database.write { db -> [StockItemState] in
                let status = try FlashSaleStore.status(db, id: id)
                guard status == .scheduled else {
                    throw AppError(.conflict, "Only a sale that has not started can be changed; this one is \(status.rawValue).")
                }
                try Self.checkItems(db, draft.items)
                try db.execute(
                    sql: """
                        UPDATE flashSale SET name = ?, description = ?, bannerImage = ?, startsAt = ?, endsAt = ?, status = ?,
                            earlyAccessTier = ?, earlyAccessMinutes = ?, updatedAt = ? WHERE id = ?
                        """,
                    arguments: [
                        draft.name.trimmedOfWhitespace, draft.description, draft.bannerImage, draft.startsAt,
                        draft.endsAt, (draft.startsAt <= now ? FlashSaleStatus.active : .scheduled).rawValue, draft.earlyAccessTier,
                        draft.earlyAccessMinutes, now, id,
                    ]
                )
                guard changesItems else { return [] }
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM reservation WHERE saleId = ?)", arguments: [id]) == false else {
                    throw Self.itemsLocked
                }
                // Untouched: every unit is still set aside, so all of them go back before the new ones are taken.
                try Self.returnUnsoldUnits(db, saleID: id)
                try FlashSaleStore.deleteItems(db, saleID: id)
                try Self.setAside(db, draft.items)
                try Self.insertItems(db, saleID: id, draft.items)
                return try Self.itemStates(db, saleID: id)
            }
        } catch {
            for key in retired { try? await ledger.unretire(key) }
            throw error
        }
        if changesItems { try? await ledger.upsert(states) }  // committed: as in create, never an error after the fact
        wake.notify()
        stockChanges.changed(saleID: id)
        return try await sale(idOrSlug: id)
    }

    static let itemsLocked = AppError(
        .conflict,
        "Units of this sale are already held or sold, so its items and quantities can no longer change.",
        fields: ["items": "cannot change once the sale has reservations"]
    )

    static func items(_ db: Database, saleID: String) throws -> [FlashSaleDraft.Item] {
        try FlashSaleStore.items(db, saleID: saleID)
    }

    /// Items compared regardless of their order.
    static func describe(_ items: [FlashSaleDraft.Item]) -> [String] {
        items.map { "\($0.productId) \($0.salePrice) \($0.quantity) \($0.perUserLimit)" }.sorted()
    }

    /// Cancels a sale that has not ended, releasing every held reservation. The cancellation commits first; the holds
    /// go back after it in batches, item by item (``releaseCancelledHolds(saleID:batch:)``). From that commit on, a
    /// hold of the sale can no longer be checked out, shows in no cart, and its units count as held in a closed sale. If
    /// the release is cut short (a failing disk, the request cancelled, a crash), the answer still reports the
    /// cancellation, which did commit, and the flash-sale clock finishes the release on its next tick (woken here) or at
    /// start-up.
    public func cancel(id: String, batch: Int = FlashSaleService.releaseBatch) async throws -> FlashSale {
        let now = clock.now()
        try await database.write { db in
            let status = try FlashSaleStore.status(db, id: id)
            guard status == .scheduled || status == .active else {
                throw AppError(.conflict, "Only a scheduled or active sale can be cancelled; this one is \(status.rawValue).")
            }
            try FlashSaleStore.setStatus(db, id: id, .cancelled, now: now)
            // What nobody holds goes back first; the held units follow as their reservations are released.
            try Self.returnUnsoldUnits(db, saleID: id)
        }
        stockChanges.changed(saleID: id)
        do {
            try await releaseCancelledHolds(saleID: id, batch: batch)
            if Task.isCancelled { releaseCancelledHoldsLater() }
        } catch {
            releaseCancelledHoldsLater()
        }
        return try await sale(idOrSlug: id)
    }

    /// Leaves what a cancellation did not release to the clock's next tick, and wakes it.
    private func releaseCancelledHoldsLater() {
        cancelledHoldsPending.store(true, ordering: .releasing)
        wake.notify()
    }

    static func validate(_ draft: FlashSaleDraft, now: Date, isNew: Bool) throws(AppError) {
        _ = try CatalogRules.name(draft.name)
        _ = try CatalogRules.description(draft.description)
        guard draft.endsAt > draft.startsAt else {
            throw .validation("The sale must end after it starts.", fields: ["endsAt": "must be after startsAt"])
        }
        guard draft.endsAt > now else {
            throw .validation("The sale window is already over.", fields: ["endsAt": "must be in the future"])
        }
        guard !draft.items.isEmpty, draft.items.count <= 50 else {
            throw .validation("A sale needs 1 to 50 items.", fields: ["items": "must hold 1-50 products"])
        }
        guard Set(draft.items.map(\.productId)).count == draft.items.count else {
            throw .validation("A product appears twice.", fields: ["items": "must not repeat a product"])
        }
        if let tier = draft.earlyAccessTier, LoyaltyTier(rawValue: tier) == nil {
            let allowed = LoyaltyTier.allCases.map(\.rawValue).joined(separator: ", ")
            throw .validation("Unknown loyalty tier.", fields: ["earlyAccessTier": "must be one of \(allowed)"])
        }
        guard (0...7 * 24 * 60).contains(draft.earlyAccessMinutes) else {
            throw .validation("Early access is out of range.", fields: ["earlyAccessMinutes": "must be 0 to 10080"])
        }
        for (index, item) in draft.items.enumerated() {
            guard (1...1_000_000).contains(item.quantity) else {
                throw .validation("An item's quantity is out of range.", fields: ["items[\(index)].quantity": "must be at least 1"])
            }
            guard (1...item.quantity).contains(item.perUserLimit) else {
                throw .validation("An item's per-user limit is out of range.", fields: ["items[\(index)].perUserLimit": "must be 1 to the quantity"])
            }
            guard item.salePrice >= 0 else {
                throw .validation("An item's sale price is negative.", fields: ["items[\(index)].salePrice": "must be 0 or more"])
            }
        }
    }

    /// Every product must exist, be on sale, and cost more than its sale price.
    static func checkItems(_ db: Database, _ items: [FlashSaleDraft.Item]) throws {
        for (index, item) in items.enumerated() {
            guard let price = try Int.fetchOne(db, sql: "SELECT price FROM product WHERE id = ? AND deletedAt IS NULL", arguments: [item.productId])
            else {
                throw AppError.validation("No such product.", fields: ["items[\(index)].productId": "must be an existing product"])
            }
            guard item.salePrice < price else {
                throw AppError.validation(
                    "A sale price must be below the regular price.",
                    fields: ["items[\(index)].salePrice": "must be below \(price)"]
                )
            }
        }
    }

    static func insertItems(_ db: Database, saleID: String, _ items: [FlashSaleDraft.Item]) throws {
        try FlashSaleStore.insertItems(db, saleID: saleID, items)
    }
}
