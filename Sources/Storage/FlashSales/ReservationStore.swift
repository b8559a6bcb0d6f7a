import Foundation
import GRDB

/// The one owner of the `reservation` table. Other areas (checkout, payments, cancellation, carts) call these
/// functions inside their own transaction instead of writing the table themselves; each function that changes
/// rows returns them, so the caller can hand the ledger's part to ``FlashSaleService/settle(_:)`` after commit.
enum ReservationStore {
    /// A row of `reservation`. Decoding goes through ``Reservation``'s `Codable`, so a status this build does not
    /// know is an error, never a guess.
    struct Record: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "reservation"
        var value: Reservation

        init(_ value: Reservation) { self.value = value }
        init(from decoder: any Decoder) throws { value = try Reservation(from: decoder) }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }

        enum Columns {
            static let id = Column("id")
            static let saleId = Column("saleId")
            static let userId = Column("userId")
            static let status = Column("status")
            static let expiresAt = Column("expiresAt")
            static let orderId = Column("orderId")
            static let createdAt = Column("createdAt")
        }
    }

    static func find(_ db: Database, id: String) throws -> Reservation? {
        try Record.fetchOne(db, key: id)?.value
    }

    /// The user's reservations, newest first (at most `limit`). A hold of a cancelled sale shows as what the cancellation
    /// makes of it — released, "sale cancelled" — also while its release is still to be written (right after the
    /// cancellation's commit, or until the clock's next tick after a release cut short): no cart shows it and no checkout
    /// takes it, so neither does this list offer it as held.
    static func ofUser(_ db: Database, userID: String, limit: Int) throws -> [Reservation] {
        var reservations = try Record.filter(Record.Columns.userId == userID)
            .order(Record.Columns.createdAt.desc, Record.Columns.id)
            .limit(limit)
            .fetchAll(db)
            .map(\.value)
        let heldSales = Set(reservations.lazy.filter { $0.status == .reserved }.map(\.saleId))
        guard !heldSales.isEmpty else { return reservations }
        let cancelled = try Set(
            String.fetchAll(
                db,
                sql: "SELECT id FROM flashSale WHERE status = 'cancelled' AND id IN (\(databaseQuestionMarks(count: heldSales.count)))",
                arguments: StatementArguments(Array(heldSales))
            )
        )
        for index in reservations.indices where reservations[index].status == .reserved && cancelled.contains(reservations[index].saleId) {
            reservations[index].status = .released
            reservations[index].releasedReason = FlashSaleService.saleCancelledReason
        }
        return reservations
    }

    /// The user's reservations still held at `now` (what a cart shows and a checkout takes), oldest first.
    static func held(_ db: Database, userID: String, now: Date) throws -> [Reservation] {
        try Record.fetchAll(db.cachedStatement(sql: heldSQL), arguments: [userID, DatabaseTimestamp.value(now)]).map(\.value)
    }

    /// `INDEXED BY reservation_on_user`, here and in ``markOrdered(_:userID:orderID:now:)``: without statistics SQLite
    /// picks `reservation_held_by_expiry` for these (status and expiry), which reads every unexpired hold of every user
    /// — during a rush, thousands of rows per cart or checkout — instead of the user's own few.
    /// A hold of a cancelled sale (its release follows the cancellation's commit) is not shown: checkout would not take it.
    static let heldSQL = """
        SELECT * FROM reservation INDEXED BY reservation_on_user WHERE \(heldCondition)
        ORDER BY createdAt
        """

    /// A user's holds that checkout takes (bound: the user, then now), in ``heldSQL`` and ``markOrderedSQL`` alike: checkout
    /// skips ``markOrdered(_:userID:orderID:now:)`` when the cart it read in the same transaction showed none.
    static let heldCondition = """
        userId = ? AND status = 'reserved' AND expiresAt > ? AND saleId NOT IN (SELECT id FROM flashSale WHERE status = 'cancelled')
        """

    /// Checkout: the user's held, unexpired reservations of sales that were not cancelled become `ordered`,
    /// part of `orderID`. Returns them as they are now.
    /// Every checkout runs this, ``confirm(_:orderID:now:)`` and (through the cart) ``held(_:userID:now:)``: their statements
    /// are prepared once per connection (compiling them per order was 13 % of checkout's CPU in the fifth round's profile,
    /// most of it GRDB's authorizer) and `now` is bound in GRDB's own text without its `DateFormatter`.
    static func markOrdered(_ db: Database, userID: String, orderID: String, now: Date) throws -> [Reservation] {
        let now = DatabaseTimestamp.value(now)
        return try Record.fetchAll(db.cachedStatement(sql: markOrderedSQL), arguments: [orderID, now, userID, now]).map(\.value)
    }

    static let markOrderedSQL = """
        UPDATE reservation INDEXED BY reservation_on_user SET status = 'ordered', orderId = ?, updatedAt = ?
        WHERE \(heldCondition)
        RETURNING *
        """

    /// Sells an order's reservations (cash on delivery at checkout, or the payment that confirms the order).
    static func confirm(_ db: Database, orderID: String, now: Date) throws -> [Reservation] {
        try Record.fetchAll(db.cachedStatement(sql: confirmSQL), arguments: [DatabaseTimestamp.value(now), orderID]).map(\.value)
    }

    /// `INDEXED BY reservation_on_order`, here and in ``release(_:orderID:now:)``: an order's few rows, never a scan of
    /// every live hold by status under the write lock.
    static let confirmSQL = """
        UPDATE reservation INDEXED BY reservation_on_order SET status = 'confirmed', updatedAt = ?
        WHERE orderId = ? AND status IN ('reserved', 'ordered') RETURNING *
        """

    /// Sells one reservation that is part of an order (an admin recording a payment taken outside the shop).
    /// Returns nil when it was already sold (idempotent). A plain hold, not part of any order, is refused (409):
    /// confirming it would sell units that no order accounts for and that nothing would ever give back.
    static func confirmOrdered(_ db: Database, id: String, saleID: String, now: Date) throws -> (Reservation, Bool) {
        guard var reservation = try find(db, id: id), reservation.saleId == saleID else { throw AppError.notFound("The reservation") }
        switch reservation.status {
        case .confirmed: return (reservation, false)
        case .released: throw AppError(.conflict, "This reservation was released and can no longer be confirmed.")
        case .reserved: throw AppError(.conflict, "This reservation is not part of an order; only an ordered reservation can be confirmed.")
        case .ordered: break
        }
        try db.execute(
            sql: "UPDATE reservation SET status = 'confirmed', updatedAt = ? WHERE id = ? AND status = 'ordered'",
            arguments: [now, id]
        )
        guard db.changesCount == 1 else { throw AppError(.conflict, "The reservation changed meanwhile; reload and try again.") }
        reservation.status = .confirmed
        reservation.updatedAt = now
        return (reservation, true)
    }

    /// Releases an order's reservations (the order was cancelled or its payment failed); returns them with their
    /// status from before, so the ledger knows whether held or sold units come back.
    static func release(_ db: Database, orderID: String, now: Date) throws -> [Reservation] {
        let released = try Record.fetchAll(db, sql: liveOfOrderSQL, arguments: [orderID]).map(\.value)
        try db.execute(sql: releaseSQL, arguments: [now, orderID])
        try FlashSaleService.returnUnitsOfClosedSales(db, released)
        return released
    }

    /// An order's live reservations, read before ``releaseSQL`` so their status from before is known.
    static let liveOfOrderSQL = """
        SELECT * FROM reservation INDEXED BY reservation_on_order WHERE orderId = ? AND status IN ('reserved', 'ordered', 'confirmed')
        """

    static let releaseSQL = """
        UPDATE reservation INDEXED BY reservation_on_order SET status = 'released', releasedReason = 'order cancelled', updatedAt = ?
        WHERE orderId = ? AND status IN ('reserved', 'ordered', 'confirmed')
        """

    static func releaseHeldSQL(_ condition: String) -> String {
        "UPDATE reservation SET status = 'released', releasedReason = ?, updatedAt = ? WHERE \(condition) RETURNING *"
    }

    /// Marks matching held reservations released (a conditional update, so each is released once).
    static func releaseHeld(_ db: Database, sql condition: String, arguments: StatementArguments, reason: String, now: Date) throws -> [Reservation] {
        var allArguments: StatementArguments = [reason, now]
        allArguments += arguments
        let released = try Record.fetchAll(db, sql: releaseHeldSQL(condition), arguments: allArguments).map(\.value)
        try FlashSaleService.returnUnitsOfClosedSales(db, released)
        return released
    }

    /// A conditional insert: a reservation whose sale was cancelled or ended while its units were being taken
    /// is refused (and its ledger step undone by the caller), so it can never be checked out.
    static func insertIfSaleOpen(_ db: Database, _ reservation: Reservation) throws {
        var openSales: [String: Bool] = [:]
        if let refusal = try insertIfSaleOpen(db, reservation, openSales: &openSales) { throw refusal }
    }

    /// The same conditional insert for one row of a batch written in one transaction: returns why the row was refused
    /// (its sale is not open) instead of throwing, so the other rows of the batch still commit. Whether a sale is open
    /// is read once per batch (`openSales`): the caller's write transaction holds SQLite's write lock, so no other
    /// connection can close the sale between two rows, and inserting reservations never changes `flashSale`.
    /// One prepared statement serves every row; `createdAt` and `updatedAt` (the same moment) are formatted once, by hand
    /// (``DatabaseTimestamp``: GRDB's exact text without its `DateFormatter`).
    static func insertIfSaleOpen(_ db: Database, _ reservation: Reservation, openSales: inout [String: Bool]) throws -> AppError? {
        let isOpen =
            try openSales[reservation.saleId] ?? Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM flashSale WHERE id = ? AND status IN ('scheduled', 'active'))"),
                arguments: [reservation.saleId]
            ) ?? false
        openSales[reservation.saleId] = isOpen
        guard isOpen else { return AppError(.notActive, "This sale is not open.") }
        let created = DatabaseTimestamp.value(reservation.createdAt)
        try db.cachedStatement(
            sql: """
                INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?, ?, ?)
                """
        ).execute(arguments: [
            reservation.id, reservation.saleId, reservation.productId, reservation.userId, reservation.quantity, reservation.salePrice,
            DatabaseTimestamp.value(reservation.expiresAt), created,
            reservation.updatedAt == reservation.createdAt ? created : DatabaseTimestamp.value(reservation.updatedAt),
        ])
        return nil
    }
}
