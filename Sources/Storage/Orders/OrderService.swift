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
    /// How long a card or transfer order may stay unpaid before it is cancelled.
    let paymentWindow: TimeInterval
    /// The payment methods checkout accepts: cash on delivery, plus `card` and `bank_transfer` only when a
    /// payment provider takes them.
    let paymentMethods: Set<PaymentMethod>
    /// The shop's day for order codes, formatted once per day.
    let codeDay = OrderCodeDay()
    /// The day's next order code, without counting the day's orders each time.
    let codeSequence = OrderCodeSequence()
    /// Concurrent checkouts share commits, each in a savepoint of its own (one shopper's 409 is theirs alone).
    let checkouts: SavepointGroupCommit<(Order, StockSettlement)>

    public init(
        database: AppDatabase,
        clock: any AppClock,
        jobs: JobQueue,
        notifications: NotificationService,
        flashSales: FlashSaleService,
        pricing: Pricing = Pricing(),
        paymentWindow: TimeInterval = 30 * 60,
        paymentMethods: Set<PaymentMethod> = [.cod]
    ) {
        self.database = database
        self.clock = clock
        self.jobs = jobs
        self.notifications = notifications
        self.flashSales = flashSales
        self.pricing = pricing
        self.paymentWindow = paymentWindow
        self.paymentMethods = paymentMethods
        self.checkouts = SavepointGroupCommit(database: database, name: "checkout")
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
        // What is stored is what was checked: the text trimmed, the phone as the rules read it.
        var asChecked = request
        asChecked.address = try Self.validate(request.address)
        asChecked.note = try TextRule.paragraph(500).check(request.note, field: "note")
        let checked = asChecked
        if let key = idempotencyKey, key.isEmpty || key.count > 200 {
            throw AppError.validation("The Idempotency-Key is not valid.", fields: ["Idempotency-Key": "must be 1-200 characters"])
        }
        let now = clock.now()
        let requestHash = Self.hash(request)  // of the request as sent (a retry sends the same request), as it always was
        let userID = identity.user.id
        let placed = try await checkouts.write { db -> (Order, StockSettlement) in
            if let key = idempotencyKey, let existing = try OrderStore.placed(db, userID: userID, idempotencyKey: key) {
                guard existing.requestHash == requestHash else {
                    throw AppError(.unprocessable, "This Idempotency-Key was used for a different order.")
                }
                return (try Self.fetch(db, id: existing.id), StockSettlement())
            }
            var lines: [OrderLine] = []
            var shortages: [String: String] = [:]
            // The cart as the shopper sees it, then its stock taken line by line (never below zero).
            let cart = try CartService.load(db, owner: .user(userID), now: now, images: false)
            for line in cart.lines {
                if let stock = try ProductStore.takeStock(db, productID: line.productId, quantity: line.quantity) {
                    shortages[line.productId] = "only \(stock) available"
                    continue
                }
                lines.append(
                    OrderLine(
                        productId: line.productId,
                        name: line.name,
                        unitPrice: line.unitPrice,
                        quantity: line.quantity,
                        lineTotal: line.lineTotal
                    )
                )
            }
            guard shortages.isEmpty else {
                throw AppError(.conflict, "Some products no longer have enough stock.", fields: shortages)
            }
            // Time-ordered: an order's rows in the id-keyed indexes (its own, its lines', its email job's and sent
            // mark's) land beside the previous order's, on pages the group's commit writes anyway.
            let orderID = TimeOrderedID.make(at: now)
            // The cart read the holds markOrdered takes (the same conditions and `now`, in this transaction): when it
            // showed none, the update would find none either, and its statement is skipped (with the confirmation
            // below, ~9 % of the writer's time per order, which is what a rush of checkouts queues for).
            let held = cart.reservations.isEmpty ? [] : try ReservationStore.markOrdered(db, userID: userID, orderID: orderID, now: now)
            for reservation in held {
                let name = try ProductStore.name(db, productID: reservation.productId) ?? ""
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
            let goods = lines.map(\.lineTotal).reduce(0, +)
            let voucher = try request.voucherCode.map { code in
                try VoucherService.use(db, code: code, userID: userID, orderID: orderID, subtotal: goods, now: now)
            }
            // The voucher's own code on the order, however the shopper typed it.
            var stored = checked
            stored.voucherCode = voucher?.code
            let discount = voucher?.discount(on: goods) ?? 0
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
                request: stored,
                lines: lines,
                discount: discount,
                key: idempotencyKey,
                hash: requestHash,
                now: now
            )
            if let cartID = cart.id { try CartService.empty(db, cartID: cartID) }
            // Cash on delivery: the flash-sale units are sold as soon as the order stands, in its transaction. Only the holds
            // just marked can carry this new order's id.
            let sold = try order.paymentMethod == .cod && !held.isEmpty ? ReservationStore.confirm(db, orderID: order.id, now: now) : []
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
            let settlement = try StockSettlement(db, confirmed: sold)
            // Last: its notification is pushed after the commit (a failure that rolls back this order's savepoint
            // withdraws the push with it, see TransactionEndWork; the job wake-ups armed above stay, one spare wake-up).
            try self.announce(db, order: order, template: .orderConfirmation)
            return (order, settlement)
        }
        await settle(placed.1)
        return placed.0
    }

    /// Moves an order to a new status; only the transitions of ``OrderStatus/next`` are allowed (409).
    /// Customers may only cancel, and only while the order is `pending` or `confirmed`.
    public func changeStatus(orderID: String, to status: OrderStatus, by identity: Identity, note: String? = nil) async throws -> Order {
        let note = try TextRule.paragraph(500).checkOptional(note, field: "note")  // shown to the shopper in the timeline
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
        await settle(settlement)
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
        if requested == .cancelled, try PaymentStore.isPaid(db, orderID: order.id) { status = .refundPending }
        guard try OrderStore.setStatus(db, orderID: order.id, from: order.status, to: status, now: now) else {
            throw AppError(.conflict, "The order changed meanwhile; reload and try again.")
        }
        var settlement = StockSettlement()
        if requested == .cancelled {
            for line in order.lines where line.reservationId == nil {
                try ProductStore.returnStock(db, productID: line.productId, quantity: line.quantity)
            }
            try VoucherService.release(db, orderID: order.id)
            settlement = try StockSettlement(db, released: try ReservationStore.release(db, orderID: order.id, now: now))
            try LoyaltyService.refund(db, order: order, now: now)
        }
        order.status = status
        order.updatedAt = now
        if status == .delivered { try LoyaltyService.earn(db, order: order, now: now) }
        if status == .refunded { try LoyaltyService.reverseEarning(db, order: order, now: now) }
        try OrderStore.appendHistory(db, orderID: order.id, status: status, by: actorID, note: note, now: now)
        try announce(db, order: order, template: .orderStatus)
        return (order, settlement)
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
        let query = Self.listQuery(filter, sort: sort, page: page)
        return try await database.read { db in
            let total = try Int.fetchOne(db, sql: query.count, arguments: query.arguments) ?? 0
            let ids = try String.fetchAll(db, sql: query.page, arguments: query.pageArguments)
            return Page(items: try ids.map { try Self.fetch(db, id: $0) }, request: page, total: total)
        }
    }

    /// The statements of ``list(_:sort:page:)``: the count of every matching order, and the page's ids in order.
    struct ListQuery {
        var count: String
        var page: String
        var arguments: StatementArguments
        var pageArguments: StatementArguments
    }

    static func listQuery(_ filter: Filter, sort: ListSort<OrderSortKey>, page: PageRequest) -> ListQuery {
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
        // A user's orders through the user's index: without statistics SQLite rates (userId, createdAt) and (status,
        // createdAt) alike, and with a status too it could walk every order of that status in the shop.
        let orders = filter.userID == nil ? "\"order\"" : "\"order\" INDEXED BY order_on_user_created"
        let from = "FROM \(orders) JOIN user ON user.id = \"order\".userId"
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var pageArguments = arguments
        pageArguments += [page.limit, page.offset]
        return ListQuery(
            count: "SELECT COUNT(*) \(from) \(whereClause)",
            page: "SELECT \"order\".id \(from) \(whereClause) \(sort.orderBy) LIMIT ? OFFSET ?",
            arguments: arguments,
            pageArguments: pageArguments
        )
    }
}
