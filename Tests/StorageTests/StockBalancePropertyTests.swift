import Foundation
import GRDB
import PropertyBased
import Testing

@testable import Storage

/// One thing a shopper, the payment provider, the clock or the admin does.
private enum ShopStep: Sendable, CustomStringConvertible {
    case reserve(user: Int, quantity: Int)
    case order(user: Int, card: Bool, regular: Int)
    case pay(user: Int)
    case fail(user: Int)
    case duplicateWebhook
    case cancel(user: Int)
    case refund
    case expire
    case endSale
    case cancelSale

    var description: String {
        switch self {
        case .reserve(let user, let quantity): "reserve(u\(user), \(quantity))"
        case .order(let user, let card, let regular): "order(u\(user), \(card ? "card" : "cod"), +\(regular))"
        case .pay(let user): "pay(u\(user))"
        case .fail(let user): "fail(u\(user))"
        case .duplicateWebhook: "duplicate"
        case .cancel(let user): "cancel(u\(user))"
        case .refund: "refund"
        case .expire: "expire"
        case .endSale: "endSale"
        case .cancelSale: "cancelSale"
        }
    }
}

/// The simple model: every reservation and order with its status, and the shelf stock they imply.
private struct ShopModel {
    struct Held {
        let user: Int
        let quantity: Int
        let expiresAt: Date
        var status: ReservationStatus
    }

    struct Placed {
        let user: Int
        let card: Bool
        let regular: Int
        let reservations: [String]
        var status: OrderStatus
        var paid = false
    }

    var shelf: Int
    let quantity: Int
    let limit: Int
    let endsAt: Date
    var saleStatus: FlashSaleStatus = .active
    var reservations: [String: Held] = [:]
    var orders: [String: Placed] = [:]
    var orderSequence: [String] = []

    var saleClosed: Bool { saleStatus == .ended || saleStatus == .cancelled }
    func units(_ statuses: Set<ReservationStatus>, user: Int? = nil) -> Int {
        reservations.values.filter { statuses.contains($0.status) && (user == nil || $0.user == user) }.map(\.quantity).reduce(0, +)
    }
    var held: Int { units([.reserved, .ordered]) }
    var confirmed: Int { units([.confirmed]) }

    mutating func release(_ id: String) {
        guard let reservation = reservations[id], reservation.status != .released else { return }
        reservations[id]?.status = .released
        if saleClosed { shelf += reservation.quantity }
    }

    mutating func cancel(_ id: String) {
        guard let order = orders[id] else { return }
        orders[id]?.status = order.paid ? .refundPending : .cancelled
        shelf += order.regular
        for reservation in order.reservations { release(reservation) }
    }

    func latest(of user: Int, card: Bool? = nil) -> String? {
        orderSequence.last { orders[$0]?.user == user && (card == nil || orders[$0]?.card == card) }
    }
}

@Suite struct StockBalancePropertyTests {
    static let sequences = 40

    /// `product.stock + units of open sales + units held in closed sales + units in open orders` never changes
    /// through reserve / order / pay / fail / cancel / refund / expire / duplicate webhook / sale end or
    /// cancellation; and SQLite, the ledger and the model agree after every step.
    @Test func theCakeBalanceHoldsThroughRandomSequencesAndMatchesTheModel() async throws {
        let stepGen = zip(Gen.int(in: 0...11), Gen.int(in: 0...2), Gen.int(in: 0...2)).map { kind, user, amount -> ShopStep in
            switch kind {
            case 0, 1: .reserve(user: user, quantity: amount + 1)
            case 2: .order(user: user, card: amount != 0, regular: amount)
            case 3: .order(user: user, card: amount == 0, regular: 0)
            case 4: .pay(user: user)
            case 5: .fail(user: user)
            case 6: .duplicateWebhook
            case 7: .cancel(user: user)
            case 8: .refund
            case 9: .expire
            case 10: amount == 0 ? .endSale : .expire
            default: amount == 0 ? .cancelSale : .pay(user: user)
            }
        }
        await propertyCheck(count: Self.sequences, input: stepGen.array(of: 1...40)) { steps in
            try await Self.run(steps)
        }
    }

    private static func run(_ steps: [ShopStep]) async throws {
        let fixture = try OrderFixture()
        let secret = String(repeating: "s", count: 48)
        let payments = PaymentService(database: fixture.database, clock: fixture.sales.clock, orders: fixture.orders, webhookSecret: secret)
        let clock = fixture.sales.clock
        let sale = try await fixture.sales.croissantSale(quantity: 6, limit: 3)
        let product = sale.items[0].productId
        let key = SaleItemKey(saleID: sale.id, productID: product)
        let admin = try await fixture.catalog.admin()
        var users: [Identity] = []
        for index in 0..<3 { users.append(try await fixture.catalog.customer("u\(index)@example.vn", name: "U\(index)")) }
        let initial = try await cakeBalance(fixture.database, productID: product)
        var model = ShopModel(shelf: try await fixture.stock("croissant-bo-phap"), quantity: 6, limit: 3, endsAt: sale.endsAt)
        var lastEvent: Data?
        var eventCount = 0

        func webhook(_ order: String, _ type: PaymentEvent.Kind) async throws -> String {
            eventCount += 1
            let total = try await fixture.orders.order(id: order, for: admin).total
            let body = try JSONEncoder.jobs.encode(PaymentEvent(id: "evt_\(eventCount)", type: type, orderId: order, amount: total))
            lastEvent = body
            return try await payments.handleWebhook(body: body, signatureHeader: WebhookSignature(secret: secret).header(for: body, at: clock.now()))
        }

        for (index, step) in steps.enumerated() {
            let context = "step \(index) \(step) of \(steps)"
            switch step {
            case .reserve(let user, let quantity):
                let open = !model.saleClosed && clock.now() < model.endsAt
                let fits =
                    model.units([.reserved, .ordered, .confirmed], user: user) + quantity <= model.limit
                    && model.quantity - model.held - model.confirmed >= quantity
                let made = try? await fixture.sales.sales.reserve(by: users[user], saleID: sale.id, productID: product, quantity: quantity)
                #expect((made != nil) == (open && fits), "\(context)")
                if let made { model.reservations[made.id] = .init(user: user, quantity: quantity, expiresAt: made.expiresAt, status: .reserved) }
            case .order(let user, let card, let regular):
                if regular > 0 { _ = try? await fixture.carts.add(.user(users[user].user.id), productID: product, quantity: regular) }
                let taken = regular > 0 && model.shelf >= regular ? regular : 0
                let holds = model.reservations.filter {
                    $0.value.user == user && $0.value.status == .reserved && $0.value.expiresAt > clock.now() && model.saleStatus != .cancelled
                }
                let placed = try? await fixture.orders.place(
                    by: users[user],
                    CheckoutRequest(address: OrderFixture.address, paymentMethod: card ? .card : .cod),
                    idempotencyKey: nil
                )
                #expect((placed != nil) == (taken > 0 || !holds.isEmpty), "\(context)")
                if let placed {
                    model.shelf -= taken
                    for id in holds.keys { model.reservations[id]?.status = card ? .ordered : .confirmed }
                    model.orders[placed.id] = .init(user: user, card: card, regular: taken, reservations: Array(holds.keys), status: .pending)
                    model.orderSequence.append(placed.id)
                }
            case .pay(let user):
                guard let id = model.latest(of: user, card: true), let order = model.orders[id] else { continue }
                let outcome = try await webhook(id, .succeeded)
                if order.status == .pending {
                    #expect(outcome == "applied", "\(context)")
                    model.orders[id]?.status = .confirmed
                    model.orders[id]?.paid = true
                    for reservation in order.reservations { model.reservations[reservation]?.status = .confirmed }
                } else if order.status == .cancelled {
                    #expect(outcome == "flagged", "\(context)")
                    model.orders[id]?.status = .refundPending
                } else {
                    #expect(outcome == "mismatch", "\(context)")  // a second payment: flagged for the admins
                }
            case .fail(let user):
                guard let id = model.latest(of: user, card: true), let order = model.orders[id] else { continue }
                let outcome = try await webhook(id, .failed)
                #expect(outcome == (order.status == .pending ? "applied" : "ignored"), "\(context)")
                if order.status == .pending { model.cancel(id) }
            case .duplicateWebhook:
                guard let body = lastEvent else { continue }
                let header = WebhookSignature(secret: secret).header(for: body, at: clock.now())
                #expect(try await payments.handleWebhook(body: body, signatureHeader: header) == "duplicate", "\(context)")
            case .cancel(let user):
                guard let id = model.latest(of: user), let order = model.orders[id] else { continue }
                let cancelled = try? await fixture.orders.changeStatus(orderID: id, to: .cancelled, by: users[user])
                #expect((cancelled != nil) == (order.status == .pending || order.status == .confirmed), "\(context)")
                if cancelled != nil { model.cancel(id) }
            case .refund:
                guard let id = model.orderSequence.first(where: { model.orders[$0]?.status == .refundPending }) else { continue }
                _ = try await fixture.orders.changeStatus(orderID: id, to: .refunded, by: admin)
                model.orders[id]?.status = .refunded
            case .expire:
                clock.advance(by: 301)
                try await fixture.sales.sales.expireDue()
                for (id, reservation) in model.reservations where reservation.status == .reserved && reservation.expiresAt <= clock.now() {
                    model.release(id)
                }
            case .endSale:
                guard !model.saleClosed else { continue }
                clock.advance(by: max(0, model.endsAt.timeIntervalSince(clock.now())))
                try await fixture.sales.sales.applyTransitions()
                model.saleStatus = .ended
                model.shelf += model.quantity - model.units([.reserved, .ordered, .confirmed])
            case .cancelSale:
                let cancelled = try? await fixture.sales.sales.cancel(id: sale.id)
                #expect((cancelled != nil) == !model.saleClosed, "\(context)")
                guard cancelled != nil else { continue }
                model.shelf += model.quantity - model.units([.reserved, .ordered, .confirmed])
                model.saleStatus = .cancelled
                for (id, reservation) in model.reservations where reservation.status == .reserved { model.release(id) }
            }
            #expect(try await cakeBalance(fixture.database, productID: product) == initial, "\(context)")
            #expect(try await fixture.stock("croissant-bo-phap") == model.shelf, "\(context)")
            let level = try #require(try await fixture.sales.ledger.level(key))
            #expect(level.held == model.held && level.confirmed == model.confirmed, "\(context): ledger \(level)")
            let stored = try await fixture.database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, status FROM reservation").reduce(into: [String: String]()) { $0[$1["id"]] = $1["status"] }
            }
            #expect(stored == model.reservations.mapValues(\.status.rawValue), "\(context)")
            for (id, order) in model.orders { #expect(try await fixture.orders.order(id: id, for: admin).status == order.status, "\(context)") }
        }
    }
}
