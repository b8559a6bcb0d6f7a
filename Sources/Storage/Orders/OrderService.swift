import Crypto
import Foundation
import GRDB

/// Checkout and the life of an order.
///
/// Placing an order is one transaction: price snapshots, stock taken with conditional updates (never
/// negative), held reservations moved to `ordered`, totals, the status-history row, the confirmation email
/// job and the notification. An `Idempotency-Key` makes a retried checkout return the first order.
public final class OrderService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let jobs: JobQueue
    let notifications: NotificationService
    let flashSales: FlashSaleService
    let pricing: Pricing
    let publicBaseURL: String
    /// How long a card or transfer order may stay unpaid before it is cancelled.
    let paymentWindow: TimeInterval
    /// The payment methods checkout accepts: cash on delivery, plus `card` and `bank_transfer` only when a
    /// payment provider takes them.
    let paymentMethods: Set<PaymentMethod>

    public init(
        database: AppDatabase,
        clock: any AppClock,
        jobs: JobQueue,
        notifications: NotificationService,
        flashSales: FlashSaleService,
        pricing: Pricing = Pricing(),
        publicBaseURL: String = "http://127.0.0.1:8080",
        paymentWindow: TimeInterval = 30 * 60,
        paymentMethods: Set<PaymentMethod> = [.cod]
    ) {
        self.database = database
        self.clock = clock
        self.jobs = jobs
        self.notifications = notifications
        self.flashSales = flashSales
        self.pricing = pricing
        self.publicBaseURL = publicBaseURL
        self.paymentWindow = paymentWindow
        self.paymentMethods = paymentMethods
    }

    /// The payment methods checkout accepts, in the order a checkout page lists them.
    public var acceptedPaymentMethods: [PaymentMethod] { PaymentMethod.allCases.filter(paymentMethods.contains) }

    /// Turns the user's cart and held reservations into an order.
    public func place(by identity: Identity, _ request: CheckoutRequest, idempotencyKey: String?) async throws -> Order {
        guard paymentMethods.contains(request.paymentMethod) else {
            let accepted = acceptedPaymentMethods.map(\.rawValue).joined(separator: ", ")
            throw AppError.validation(
                "This shop does not take \(request.paymentMethod.rawValue) payments.",
                fields: ["paymentMethod": "must be one of \(accepted)"]
            )
        }
        try Self.validate(request.address)
        _ = try TextRule.paragraph(500).check(request.note, field: "note")
        if let key = idempotencyKey, key.isEmpty || key.count > 200 {
            throw AppError.validation("The Idempotency-Key is not valid.", fields: ["Idempotency-Key": "must be 1-200 characters"])
        }
        let now = clock.now()
        let requestHash = Self.hash(request)
        let userID = identity.user.id
        let placed = try await database.write { db -> (Order, StockSettlement) in
            if let key = idempotencyKey,
                let existing = try Row.fetchOne(
                    db,
                    sql: "SELECT id, requestHash FROM \"order\" WHERE userId = ? AND idempotencyKey = ?",
                    arguments: [userID, key]
                )
            {
                guard existing["requestHash"] == requestHash else {
                    throw AppError(.unprocessable, "This Idempotency-Key was used for a different order.")
                }
                return (try Self.fetch(db, id: existing["id"]), StockSettlement())
            }
            var lines: [OrderLine] = []
            var shortages: [String: String] = [:]
            let cartLines = try Row.fetchAll(
                db,
                sql: """
                    SELECT product.id, product.name, product.price, cartItem.quantity FROM cart
                    JOIN cartItem ON cartItem.cartId = cart.id JOIN product ON product.id = cartItem.productId
                    WHERE cart.userId = ? AND product.deletedAt IS NULL AND product.isActive ORDER BY cartItem.addedAt, product.id
                    """,
                arguments: [userID]
            )
            for row in cartLines {
                let productID: String = row["id"]
                let quantity: Int = row["quantity"]
                try db.execute(sql: "UPDATE product SET stock = stock - ? WHERE id = ? AND stock >= ?", arguments: [quantity, productID, quantity])
                if db.changesCount == 0 {
                    let stock = try Int.fetchOne(db, sql: "SELECT stock FROM product WHERE id = ?", arguments: [productID]) ?? 0
                    shortages[productID] = "only \(stock) available"
                    continue
                }
                let price: Int = row["price"]
                lines.append(OrderLine(productId: productID, name: row["name"], unitPrice: price, quantity: quantity, lineTotal: price * quantity))
            }
            guard shortages.isEmpty else {
                throw AppError(.conflict, "Some products no longer have enough stock.", fields: shortages)
            }
            let held = try Row.fetchAll(
                db,
                sql: """
                    UPDATE reservation SET status = 'ordered', updatedAt = ? WHERE userId = ? AND status = 'reserved' AND expiresAt > ?
                        AND saleId NOT IN (SELECT id FROM flashSale WHERE status = 'cancelled')
                    RETURNING *
                    """,
                arguments: [now, userID, now]
            ).map(FlashSaleService.reservation(from:))
            for reservation in held {
                let name = try String.fetchOne(db, sql: "SELECT name FROM product WHERE id = ?", arguments: [reservation.productId]) ?? ""
                lines.append(
                    OrderLine(
                        productId: reservation.productId,
                        name: name,
                        unitPrice: reservation.salePrice,
                        quantity: reservation.quantity,
                        lineTotal: reservation.salePrice * reservation.quantity,
                        reservationId: reservation.id
                    )
                )
            }
            guard !lines.isEmpty else { throw AppError.validation("The cart is empty.", fields: ["cart": "must hold at least one product"]) }
            let orderID = UUID().uuidString.lowercased()
            let goods = lines.map(\.lineTotal).reduce(0, +)
            let discount =
                try request.voucherCode.map { code in
                    try VoucherService.use(db, code: code, userID: userID, orderID: orderID, subtotal: goods, now: now)
                } ?? 0
            let points = request.pointsToRedeem
            if points != 0 {
                let cap = min(LoyaltyRules.maximumRedeemable(subtotal: goods), (goods - discount) / LoyaltyRules.pointValue)
                guard (0...cap).contains(points) else {
                    throw AppError.validation(
                        "At most half the subtotal can be paid with points.",
                        fields: ["pointsToRedeem": "must be 0 to \(cap)"]
                    )
                }
                try LoyaltyService.redeem(db, userID: userID, points: points, orderID: orderID, now: now)
            }
            let order = try self.insert(
                db,
                id: orderID,
                userID: userID,
                request: request,
                lines: lines,
                discount: discount,
                key: idempotencyKey,
                hash: requestHash,
                now: now
            )
            for reservation in held {
                try db.execute(sql: "UPDATE reservation SET orderId = ? WHERE id = ?", arguments: [order.id, reservation.id])
            }
            try db.execute(sql: "DELETE FROM cartItem WHERE cartId = (SELECT id FROM cart WHERE userId = ?)", arguments: [userID])
            try self.announce(db, order: order, to: identity.user, template: .orderConfirmation)
            // Cash on delivery: the flash-sale units are sold as soon as the order stands, in its transaction.
            let sold = try order.paymentMethod == .cod ? FlashSaleService.confirmReservations(db, orderID: order.id, now: now) : []
            if order.paymentMethod != .cod {
                try self.jobs.enqueue(
                    db,
                    try JobRequest(
                        queue: JobQueue.maintenance,
                        kind: UnpaidOrderJob.kind,
                        payload: UnpaidOrderJob(orderID: order.id),
                        idempotencyKey: "unpaid-\(order.id)",
                        runAt: now.addingTimeInterval(self.paymentWindow)
                    )
                )
            }
            return (order, StockSettlement(confirmed: sold))
        }
        await flashSales.settle(placed.1)
        return placed.0
    }

    /// Moves an order to a new status; only the transitions of ``OrderStatus/next`` are allowed (409).
    /// Customers may only cancel, and only while the order is `pending` or `confirmed`.
    public func changeStatus(orderID: String, to status: OrderStatus, by identity: Identity, note: String? = nil) async throws -> Order {
        let now = clock.now()
        let isAdmin = identity.user.role == .admin
        let (order, settlement) = try await database.write { db in
            try self.applyTransition(db, orderID: orderID, to: status, actorID: identity.user.id, note: note, now: now) { order in
                guard isAdmin || order.userId == identity.user.id else { throw AppError.notFound("The order") }
                if !isAdmin, status != .cancelled || !(order.status == .pending || order.status == .confirmed) {
                    throw AppError(.conflict, "You can cancel an order only while it is pending or confirmed.")
                }
            }
        }
        await flashSales.settle(settlement)
        return order
    }

    /// Moves an order to `status` inside the caller's transaction, after `check` approved it: history, side
    /// effects of a cancellation (restock, voucher use back, redeemed points back, reservations released),
    /// notification and email. A paid order that is cancelled becomes `refund_pending`: the bakery owes the
    /// money back. Returns the order and what the ledger must do after the commit.
    func applyTransition(
        _ db: Database,
        orderID: String,
        to requested: OrderStatus,
        actorID: String?,
        note: String?,
        now: Date,
        check: (Order) throws -> Void = { _ in }
    ) throws -> (Order, StockSettlement) {
        var order = try Self.fetch(db, id: orderID)
        try check(order)
        guard order.status.next.contains(requested) else {
            throw AppError(.conflict, "An order that is \(order.status.rawValue) cannot become \(requested.rawValue).")
        }
        var status = requested
        if requested == .cancelled, try Self.isPaid(db, orderID: order.id) { status = .refundPending }
        try db.execute(
            sql: "UPDATE \"order\" SET status = ?, updatedAt = ? WHERE id = ? AND status = ?",
            arguments: [status.rawValue, now, order.id, order.status.rawValue]
        )
        guard db.changesCount == 1 else { throw AppError(.conflict, "The order changed meanwhile; reload and try again.") }
        var settlement = StockSettlement()
        if requested == .cancelled {
            for line in order.lines where line.reservationId == nil {
                try db.execute(sql: "UPDATE product SET stock = stock + ? WHERE id = ?", arguments: [line.quantity, line.productId])
            }
            try VoucherService.release(db, orderID: order.id)
            settlement.released = try FlashSaleService.releaseReservations(db, orderID: order.id, now: now)
            try LoyaltyService.refund(db, order: order, now: now)
        }
        order.status = status
        order.updatedAt = now
        if status == .delivered { try LoyaltyService.earn(db, order: order, now: now) }
        if status == .refunded { try LoyaltyService.reverseEarning(db, order: order, now: now) }
        try db.execute(
            sql: "INSERT INTO orderStatusHistory (orderId, status, changedBy, note, createdAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [order.id, status.rawValue, actorID, note, now]
        )
        guard let customer = try UserRecord.fetchOne(db, key: order.userId)?.user else { throw AppError.notFound("The order's customer") }
        try announce(db, order: order, to: customer, template: .orderStatus)
        return (order, settlement)
    }

    /// Whether the provider's webhook confirmed a payment for the order.
    static func isPaid(_ db: Database, orderID: String) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM paymentEvent WHERE orderId = ? AND type = 'payment.succeeded' AND outcome = 'applied')",
            arguments: [orderID]
        ) ?? false
    }

    /// A payment arrived for an order that was already cancelled (it was left unpaid too long, or the shopper
    /// cancelled it first): the money must go back, so the order becomes `refund_pending` for the admin.
    /// Stock and units stay where the cancellation put them.
    func flagPaymentAfterCancellation(_ db: Database, orderID: String, eventID: String, now: Date) throws {
        try db.execute(
            sql: "UPDATE \"order\" SET status = 'refund_pending', updatedAt = ? WHERE id = ? AND status = 'cancelled'",
            arguments: [now, orderID]
        )
        guard db.changesCount == 1 else { return }
        try db.execute(
            sql: "INSERT INTO orderStatusHistory (orderId, status, changedBy, note, createdAt) VALUES (?, 'refund_pending', NULL, ?, ?)",
            arguments: [orderID, "payment \(eventID) arrived after the order was cancelled", now]
        )
        var order = try Self.fetch(db, id: orderID)
        order.updatedAt = now
        guard let customer = try UserRecord.fetchOne(db, key: order.userId)?.user else { return }
        try announce(db, order: order, to: customer, template: .orderStatus)
    }

    public func order(id: String, for identity: Identity) async throws -> Order {
        let order = try await database.read { db in
            var order = try Self.fetch(db, id: id)
            order.history = try Self.history(db, orderID: order.id)
            return order
        }
        guard order.userId == identity.user.id || identity.user.role == .admin else { throw AppError.notFound("The order") }
        return order
    }

    /// Which orders a list shows; nil means any.
    public struct Filter: Sendable {
        public var userID: String?
        public var status: OrderStatus?
        public var from: Date?
        /// Exclusive.
        public var to: Date?
        /// Part of the order code or of the customer's email.
        public var search: String?

        public init(userID: String? = nil, status: OrderStatus? = nil, from: Date? = nil, to: Date? = nil, search: String? = nil) {
            self.userID = userID
            self.status = status
            self.from = from
            self.to = to
            self.search = search
        }
    }

    /// Orders, newest first unless `sort` says otherwise: a user's own, or (admin) everyone's, filtered.
    public func list(_ filter: Filter, sort: ListSort<OrderSortKey> = .newestOrders, page: PageRequest) async throws -> Page<Order> {
        try await database.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let userID = filter.userID {
                conditions.append("\"order\".userId = ?")
                arguments += [userID]
            }
            if let status = filter.status {
                conditions.append("\"order\".status = ?")
                arguments += [status.rawValue]
            }
            if let from = filter.from {
                conditions.append("\"order\".createdAt >= ?")
                arguments += [from]
            }
            if let to = filter.to {
                conditions.append("\"order\".createdAt < ?")
                arguments += [to]
            }
            if let search = filter.search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
                let pattern = "%" + search.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                conditions.append("(\"order\".code LIKE ? OR user.email LIKE ?)")
                arguments += [pattern, pattern]
            }
            let from = "FROM \"order\" JOIN user ON user.id = \"order\".userId"
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from) \(whereClause)", arguments: arguments) ?? 0
            var pageArguments = arguments
            pageArguments += [page.limit, page.offset]
            let ids = try String.fetchAll(
                db,
                sql: "SELECT \"order\".id \(from) \(whereClause) \(sort.orderBy) LIMIT ? OFFSET ?",
                arguments: pageArguments
            )
            return Page(items: try ids.map { try Self.fetch(db, id: $0) }, request: page, total: total)
        }
    }
}
