import Foundation
import GRDB

extension FlashSaleService {
    /// Reserves units of a sale item. Checks, in order: the sale is active (or open early to the user's
    /// tier), the quantity is at least 1, the user's rate limit, then the per-user limit and the stock in
    /// one atomic ledger step. The reservation row is then written; if that fails the ledger step is undone. A row
    /// taken on a ledger that was reloaded from SQLite before it committed is refused (``StockLedgerEpoch``).
    public func reserve(by identity: Identity, saleID: String, productID: String, quantity: Int) async throws -> Reservation {
        let now = clock.now()
        let userID = identity.user.id
        let gate = try await saleGate(saleID: saleID, productID: productID)
        guard let gate else { throw AppError.notFound("The flash sale") }
        guard let salePrice = gate.salePrice else {
            throw AppError.validation("This product is not in the sale.", fields: ["productId": "must be an item of this sale"])
        }
        let sale = gate.saleID
        try await checkOpen(gate, for: userID, now: now)
        guard (1...100).contains(quantity) else {
            throw AppError.validation("Reserve at least one unit.", fields: ["quantity": "must be a whole number from 1 to 100"])
        }
        if case .limited(let retryAfter) = await rateLimiter.attempt("reserve:user:\(userID)", limit: settings.reservePerMinute, window: 60) {
            throw AppError(.rateLimited, "Too many reservation attempts. Try again in \(retryAfter) seconds.", retryAfter: retryAfter)
        }
        let key = SaleItemKey(saleID: sale, productID: productID)
        let take = try await ledgerSteps.take(key, userID: userID, quantity: quantity)
        switch take.decision {
        case .taken: break
        case .limitExceeded: throw AppError(.limitExceeded, "You have reached the limit for this item in this sale.")
        case .soldOut: throw AppError(.soldOut, "Sold out.")
        case .unknownItem: throw AppError(.notActive, "This sale is not open.")
        }
        let reservation = Reservation(
            id: TimeOrderedID.make(at: now),
            saleId: sale,
            productId: productID,
            userId: userID,
            quantity: quantity,
            salePrice: salePrice,
            status: .reserved,
            expiresAt: now.addingTimeInterval(settings.reservationTTL),
            releasedReason: nil,
            orderId: nil,
            createdAt: now,
            updatedAt: now
        )
        do {
            try await writer.insert(reservation, epoch: take.epoch)
        } catch {
            try? await ledgerSteps.undo(take, key, userID: userID, quantity: quantity)
            throw error
        }
        wake.notify()
        stockChanges.changed(saleID: sale)
        return reservation
    }

    /// The sale (by id or slug) and the price of one of its items: from memory while no sale or item changed since
    /// it was read (``saleGates``). Only a gate naming a real item is kept, so made-up product ids cannot fill memory.
    func saleGate(saleID: String, productID: String) async throws -> SaleGate? {
        let read = { [database] in
            try await database.read { db -> SaleGate? in
                // Read again after every change to sales (and, in cluster mode, on every instance): prepared once per
                // reader connection, not compiled per read.
                try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT flashSale.id, flashSale.status, flashSale.startsAt, flashSale.endsAt, flashSale.earlyAccessTier,
                            flashSale.earlyAccessMinutes, flashSaleItem.salePrice
                            FROM flashSale LEFT JOIN flashSaleItem ON flashSaleItem.saleId = flashSale.id AND flashSaleItem.productId = ?
                            WHERE flashSale.id = ? OR flashSale.slug = ?
                            """
                    ),
                    arguments: [productID, saleID, saleID]
                ).map(SaleGate.init(row:))
            }
        }
        let kept = try await saleGates.value(for: SaleGateKey(sale: saleID, productID: productID)) {
            try await read().flatMap { $0.salePrice == nil ? nil : $0 }
        }
        if let kept { return kept }
        return try await read()
    }

    struct SaleGateKey: Hashable, Sendable {
        let sale: String
        let productID: String
    }

    /// What deciding whether a sale is open needs.
    struct SaleGate: Sendable {
        let saleID: String
        let status: FlashSaleStatus
        let startsAt: Date
        let endsAt: Date
        let earlyAccessTier: String?
        let earlyAccessMinutes: Int
        let salePrice: Int?

        init(row: Row) throws {
            saleID = row["id"]
            let raw: String = row["status"]
            guard let status = FlashSaleStatus(rawValue: raw) else { throw AppError(.internalError, "Unknown flash-sale status \(raw).") }
            self.status = status
            startsAt = row["startsAt"]
            endsAt = row["endsAt"]
            earlyAccessTier = row["earlyAccessTier"]
            earlyAccessMinutes = row["earlyAccessMinutes"]
            salePrice = row["salePrice"]
        }
    }

    /// Open to everyone while active; before the start, to users whose tier has early access within its window.
    private func checkOpen(_ sale: SaleGate, for userID: String, now: Date) async throws {
        let status = sale.status
        if status == .active, now < sale.endsAt { return }
        if status == .scheduled, let tier = sale.earlyAccessTier,
            now >= sale.startsAt.addingTimeInterval(-Double(sale.earlyAccessMinutes) * 60),
            let required = LoyaltyTier(rawValue: tier),
            let held = try await tierOf(userID).flatMap(LoyaltyTier.init(rawValue:)),
            held >= required
        {
            return
        }
        throw AppError(.notActive, status == .scheduled ? "This sale has not started yet." : "This sale is over.")
    }

    /// The owner gives a held reservation back.
    public func release(reservationID: String, by identity: Identity) async throws {
        let now = clock.now()
        let settlement = try await database.write { db -> StockSettlement in
            guard let owner = try ReservationStore.find(db, id: reservationID)?.userId,
                owner == identity.user.id || identity.user.role == .admin
            else { throw AppError.notFound("The reservation") }
            let released = try ReservationStore.releaseHeld(
                db,
                sql: "id = ? AND status = 'reserved'",
                arguments: [reservationID],
                reason: "released by user",
                now: now
            )
            guard !released.isEmpty else { throw AppError(.conflict, "This reservation is no longer held.") }
            return try StockSettlement(db, released: released)
        }
        await settle(settlement)
    }

    /// Marks a reservation that is part of an order paid (an admin recording a payment taken outside the shop).
    /// Idempotent. The reservation must belong to the sale `saleID` (id or slug; 404 otherwise) and be `ordered`:
    /// a plain hold is refused (409), since its sold units would belong to no order and never come back.
    public func confirm(saleID: String, reservationID: String) async throws -> Reservation {
        let now = clock.now()
        let (reservation, settlement) = try await database.write { db -> (Reservation, StockSettlement) in
            guard let sale = try FlashSaleStore.find(db, idOrSlug: saleID) else { throw AppError.notFound("The flash sale") }
            let (reservation, changed) = try ReservationStore.confirmOrdered(db, id: reservationID, saleID: sale.id, now: now)
            return (reservation, changed ? try StockSettlement(db, confirmed: [reservation]) : StockSettlement())
        }
        await settle(settlement)
        return reservation
    }

    /// Releases every held reservation whose time is up; returns how many. See ``releaseHeld(_:reason:batch:)``.
    @discardableResult
    public func expireDue(batch: Int = FlashSaleService.releaseBatch) async throws -> Int {
        try await releaseHeld(.expired(by: clock.now()), reason: "expired", batch: batch)
    }

    /// The `releasedReason` of a hold whose sale was cancelled.
    static let saleCancelledReason = "sale cancelled"

    /// Releases what cancelled sales still hold — of `saleID`, or of every cancelled sale when nil; returns how many.
    /// A cancellation releases its sale's holds after it commits (``cancel(id:batch:)``); holds left by a cancellation
    /// cut short (a crash, a failing disk, the admin's request cancelled) go back on the clock's next tick or at start-up
    /// (``releaseCancelledHoldsIfPending()``). Item by item: each item's holds are one range of `reservation_item_units`.
    @discardableResult
    func releaseCancelledHolds(saleID: String? = nil, batch: Int = FlashSaleService.releaseBatch) async throws -> Int {
        let items = try await database.read { db in
            try Row.fetchAll(db, sql: Self.cancelledItemsWithHoldsSQL(saleID: saleID), arguments: saleID.map { [$0] } ?? [])
                .map { SaleItemKey(saleID: $0["saleId"], productID: $0["productId"]) }
        }
        var released = 0
        for item in items where !Task.isCancelled {
            released += try await releaseHeld(.ofItem(item), reason: Self.saleCancelledReason, batch: batch)
        }
        return released
    }

    /// The items of cancelled sales (of one, when a sale id is bound) that still hold a reservation: one seek per item.
    /// A reserved hold always belongs to one of its sale's current items: items can change only while none is held or sold.
    static func cancelledItemsWithHoldsSQL(saleID: String?) -> String {
        """
        SELECT i.saleId, i.productId FROM flashSale s JOIN flashSaleItem i ON i.saleId = s.id
        WHERE s.status = 'cancelled' \(saleID == nil ? "" : "AND s.id = ?")
        AND EXISTS (SELECT 1 FROM reservation r INDEXED BY reservation_item_units
            WHERE r.saleId = i.saleId AND r.productId = i.productId AND r.status = 'reserved')
        """
    }

    /// ``releaseCancelledHolds(saleID:batch:)`` for every cancelled sale, when a cancellation's release may not have
    /// finished (``cancelledHoldsPending``): once after start-up, and after a cancellation cut short. Otherwise a tick
    /// reads nothing for it: the search is one seek per item of every sale ever cancelled.
    func releaseCancelledHoldsIfPending() async throws -> Int {
        guard cancelledHoldsPending.exchange(false, ordering: .acquiringAndReleasing) else { return 0 }
        do {
            let released = try await releaseCancelledHolds()
            if Task.isCancelled { cancelledHoldsPending.store(true, ordering: .releasing) }
            return released
        } catch {
            cancelledHoldsPending.store(true, ordering: .releasing)
            throw error
        }
    }

    /// How many held reservations one transaction releases when a sale's holds expire or a cancelled sale's go back.
    public static let releaseBatch = 500

    /// Which held reservations a release takes, and the index that finds exactly them.
    struct HeldSelection {
        var index: String
        var condition: String
        var arguments: StatementArguments

        /// Every hold whose time is up, of any sale: a range of `reservation_held_by_expiry`.
        static func expired(by now: Date) -> Self {
            Self(index: "reservation_held_by_expiry", condition: "status = 'reserved' AND expiresAt <= ?", arguments: [now])
        }

        /// The holds of one sale item: a range of `reservation_item_units` (saleId, productId, status, …).
        static func ofItem(_ item: SaleItemKey) -> Self {
            Self(
                index: "reservation_item_units",
                condition: "saleId = ? AND productId = ? AND status = 'reserved'",
                arguments: [item.saleID, item.productID]
            )
        }

        /// One batch's rows, found through the index (held rows only, never the released ones) and updated by their id.
        /// Left to itself SQLite may search the update by status too, reading every hold in the shop per batch.
        func batchCondition(_ batch: Int) -> String {
            "id IN (SELECT id FROM reservation INDEXED BY \(index) WHERE \(condition) LIMIT \(batch))"
        }
    }

    /// Releases the held reservations `selection` takes, at most `batch` per write transaction, each batch's ledger
    /// steps settled after its commit; returns how many. A rush leaves thousands of holds that expire together (or go
    /// back together when the owner cancels the sale): released in one transaction they would hold SQLite's write lock,
    /// and every checkout and reservation queued behind it, for as long as the whole update takes. Each batch stands
    /// alone, so a crash between two loses nothing: what was committed is settled in the ledger rebuilt at start-up, and
    /// what was not is still held, to be released by the next tick. Stops between batches when cancelled.
    @discardableResult
    func releaseHeld(_ selection: HeldSelection, reason: String, batch: Int) async throws -> Int {
        let batch = max(1, batch)
        let sql = selection.batchCondition(batch)
        let now = clock.now()
        var released = 0
        while !Task.isCancelled {
            let settlement = try await database.write { db in
                let held = try ReservationStore.releaseHeld(db, sql: sql, arguments: selection.arguments, reason: reason, now: now)
                return try StockSettlement(db, released: held)
            }
            await settle(settlement)
            released += settlement.released.count
            if settlement.released.count < batch { break }
        }
        return released
    }

    /// Moves sales across their boundaries: `scheduled → active` at the start, `active → ended` at the end.
    @discardableResult
    public func applyTransitions() async throws -> Int {
        let now = clock.now()
        let changed = try await database.write { db -> [String] in
            let starting = try String.fetchAll(
                db,
                sql: "SELECT id FROM flashSale WHERE status = 'scheduled' AND startsAt <= ? AND endsAt > ?",
                arguments: [now, now]
            )
            let ending = try String.fetchAll(
                db,
                sql: "SELECT id FROM flashSale WHERE status IN ('scheduled', 'active') AND endsAt <= ?",
                arguments: [now]
            )
            for id in starting {
                try FlashSaleStore.setStatus(db, id: id, .active, now: now)
                try self.announceStart(db, saleID: id)
            }
            for id in ending {
                try FlashSaleStore.setStatus(db, id: id, .ended, now: now)
                try Self.returnUnsoldUnits(db, saleID: id)
            }
            return starting + ending
        }
        for id in changed { stockChanges.changed(saleID: id) }
        return changed.count
    }

    /// Queues "the sale has started" for every customer, once per sale (the idempotency key).
    func announceStart(_ db: Database, saleID: String) throws {
        guard let jobs, let sale = try Row.fetchOne(db, sql: "SELECT name, slug FROM flashSale WHERE id = ?", arguments: [saleID]) else { return }
        let name: String = sale["name"]
        let slug: String = sale["slug"]
        let broadcast = BroadcastJob(
            broadcastID: "flash-sale-start-\(saleID)",
            draft: NotificationDraft(
                type: "flash_sale.started",
                title: "\(name) đã bắt đầu",
                body: "Số lượng có hạn — đặt ngay kẻo lỡ!",
                link: "/flash-sale.html#\(slug)",
                data: ["saleId": saleID, "saleName": name]
            )
        )
        try jobs.enqueue(db, try broadcast.request())
    }

    /// The next moment something is due: a sale boundary or a reservation expiry.
    public func nextDueDate() async throws -> Date? {
        try await database.read { db in
            try Date.fetchOne(
                db,
                sql: """
                    SELECT MIN(due) FROM (
                        SELECT MIN(startsAt) AS due FROM flashSale WHERE status = 'scheduled'
                        UNION ALL SELECT MIN(endsAt) FROM flashSale WHERE status IN ('scheduled', 'active')
                        UNION ALL SELECT MIN(expiresAt) FROM reservation WHERE status = 'reserved'
                    )
                    """
            )
        }
    }
}
