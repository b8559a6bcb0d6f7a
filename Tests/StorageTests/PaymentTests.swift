import Foundation
import GRDB
import Testing

@testable import Storage

private let secret = String(repeating: "s", count: 48)

@Suite struct WebhookSignatureTests {
    let signature = WebhookSignature(secret: secret)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let body = Data(#"{"amount":90000,"id":"evt_1","orderId":"o1","type":"payment.succeeded"}"#.utf8)

    @Test func aSignatureOverTheRawBodyVerifies() throws {
        try signature.verify(header: signature.header(for: body, at: now), body: body, now: now + 10)
    }

    @Test func tamperedReformattedStaleOrMissingSignaturesAreRefused() {
        let header = signature.header(for: body, at: now)
        let reformatted = Data(#"{"id":"evt_1","type":"payment.succeeded","orderId":"o1","amount":90000}"#.utf8)
        let tampered = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "90000", with: "1").utf8)
        for (candidate, at) in [(reformatted, now), (tampered, now), (body, now + 301), (body, now - 301)] {
            #expect(throws: AppError.self) { try signature.verify(header: header, body: candidate, now: at) }
        }
        #expect(throws: AppError.self) { try signature.verify(header: nil, body: body, now: now) }
        #expect(throws: AppError.self) { try signature.verify(header: "t=1800000000,v1=deadbeef", body: body, now: now) }
        #expect(throws: AppError.self) {
            try WebhookSignature(secret: "other-secret-other-secret-other-secret").verify(header: header, body: body, now: now)
        }
    }
}

@Suite struct PaymentTests {
    let fixture: OrderFixture
    let payments: PaymentService
    let signature = WebhookSignature(secret: secret)

    init() throws {
        fixture = try OrderFixture()
        payments = PaymentService(
            database: fixture.database,
            clock: fixture.sales.clock,
            orders: fixture.orders,
            webhookSecret: secret,
            provider: SimulatedPaymentProvider(publicBaseURL: "http://127.0.0.1:8080")
        )
    }

    /// A card order holding one flash-sale unit and two macarons.
    private func cardOrder() async throws -> (Identity, Order, FlashSale) {
        let sale = try await fixture.sales.croissantSale(quantity: 5, limit: 2)
        try await fixture.setStock("macaron-hop-12", 10)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.sales.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("macaron-hop-12").id, quantity: 2)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .card), idempotencyKey: nil)
        return (lan, order, sale)
    }

    private func deliver(_ type: PaymentEvent.Kind, order: Order, id: String, service: PaymentService? = nil) async throws -> String {
        let body = try JSONEncoder.jobs.encode(PaymentEvent(id: id, type: type, orderId: order.id, amount: order.total))
        return try await (service ?? payments).handleWebhook(body: body, signatureHeader: signature.header(for: body, at: fixture.sales.clock.now()))
    }

    @Test func aPaidOrderIsConfirmedAndItsFlashSaleUnitsSold() async throws {
        let (lan, order, sale) = try await cardOrder()
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].confirmed == 0)  // card: not sold until paid
        #expect(try await payments.checkout(orderID: order.id, by: lan).hasSuffix("/pay.html#\(order.id)"))
        #expect(try await deliver(.succeeded, order: order, id: "evt_1") == "applied")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .confirmed)
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].confirmed == 1)
    }

    /// The same event three times at once, plus a restart: one state change.
    @Test func duplicateEventsChangeNothingEvenConcurrentlyAndAfterARestart() async throws {
        let (_, order, _) = try await cardOrder()
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<3 { group.addTask { try await deliver(.succeeded, order: order, id: "evt_dup") } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.sorted() == ["applied", "duplicate", "duplicate"])
        let restarted = PaymentService(database: fixture.database, clock: fixture.sales.clock, orders: fixture.orders, webhookSecret: secret)
        #expect(try await deliver(.succeeded, order: order, id: "evt_dup", service: restarted) == "duplicate")
        let confirmations = try await fixture.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orderStatusHistory WHERE orderId = ? AND status = 'confirmed'", arguments: [order.id])
        }
        #expect(confirmations == 1)
    }

    @Test func aFailureAfterSuccessChangesNothing() async throws {
        let (lan, order, _) = try await cardOrder()
        _ = try await deliver(.succeeded, order: order, id: "evt_ok")
        #expect(try await deliver(.failed, order: order, id: "evt_late_failure") == "ignored")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .confirmed)
    }

    @Test func aFailedPaymentCancelsAndGivesEverythingBack() async throws {
        let (lan, order, sale) = try await cardOrder()
        #expect(try await fixture.stock("macaron-hop-12") == 8)
        #expect(try await deliver(.failed, order: order, id: "evt_fail") == "applied")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .cancelled)
        #expect(try await fixture.stock("macaron-hop-12") == 10)
        let item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.held == 0 && item.confirmed == 0 && item.remaining == 5)
    }

    @Test func anUnpaidOrderIsCancelledWhenItsWindowCloses() async throws {
        let (lan, order, _) = try await cardOrder()
        let workers = JobWorkers(
            queue: fixture.jobs,
            handlers: [UnpaidOrderJobHandler(payments: payments)],
            queues: [.init(name: JobQueue.maintenance, concurrency: 1)]
        )
        fixture.sales.clock.advance(by: 29 * 60)
        try await workers.drain(queue: JobQueue.maintenance)
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .pending)
        fixture.sales.clock.advance(by: 60)
        try await workers.drain(queue: JobQueue.maintenance)
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .cancelled)
        #expect(try await fixture.stock("macaron-hop-12") == 10)
    }

    /// The bakery has the money of a paid order that is cancelled: it waits as `refund_pending` (stock and
    /// units already back) until an admin marks it `refunded`.
    @Test func aPaidOrderThatIsCancelledAwaitsItsRefund() async throws {
        let (lan, order, sale) = try await cardOrder()
        _ = try await deliver(.succeeded, order: order, id: "evt_paid")
        let cancelled = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(cancelled.status == .refundPending)
        #expect(try await fixture.stock("macaron-hop-12") == 10)
        let item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 0 && item.held == 0 && item.remaining == 5)
        let admin = try await fixture.catalog.admin()
        #expect(try await fixture.orders.list(.init(status: .refundPending), page: PageRequest()).items.map(\.id) == [order.id])
        await #expect(throws: AppError.self) { try await fixture.orders.changeStatus(orderID: order.id, to: .refunded, by: lan) }
        #expect(try await fixture.orders.changeStatus(orderID: order.id, to: .refunded, by: admin).status == .refunded)
        #expect(try await fixture.stock("macaron-hop-12") == 10)  // given back once
    }

    /// Money that arrives for an order already cancelled is recorded and flagged, never silently ignored.
    @Test func aSuccessForAnOrderAlreadyCancelledIsFlaggedForTheAdmin() async throws {
        let (lan, order, _) = try await cardOrder()
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(try await deliver(.succeeded, order: order, id: "evt_late") == "flagged")
        #expect(try await deliver(.succeeded, order: order, id: "evt_late") == "duplicate")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .refundPending)
        #expect(try await fixture.stock("macaron-hop-12") == 10)
        let outcome = try await fixture.database.read { db in try String.fetchOne(db, sql: "SELECT outcome FROM paymentEvent WHERE id = 'evt_late'") }
        #expect(outcome == "flagged")
    }

    private func recordedOutcome(_ eventID: String) async throws -> String? {
        try await fixture.database.read { db in try String.fetchOne(db, sql: "SELECT outcome FROM paymentEvent WHERE id = ?", arguments: [eventID]) }
    }

    /// The admins' notifications about payments that need checking.
    private func mismatchNotes(for admin: Identity) async throws -> [UserNotification] {
        try await fixture.notifications.list(userID: admin.user.id, unreadOnly: false, page: PageRequest()).items.filter {
            $0.type == "payment.mismatch"
        }
    }

    /// Money that does not match the order is never silently ignored: a wrong amount leaves the order pending, is
    /// recorded as `mismatch`, and every admin is told; the right amount afterwards still pays the order.
    @Test func aWrongAmountIsAMismatchFlaggedForTheAdmins() async throws {
        let (lan, order, sale) = try await cardOrder()
        let admin = try await fixture.catalog.admin()
        let body = try JSONEncoder.jobs.encode(PaymentEvent(id: "evt_short", type: .succeeded, orderId: order.id, amount: order.total - 1000))
        let outcome = try await payments.handleWebhook(body: body, signatureHeader: signature.header(for: body, at: fixture.sales.clock.now()))
        #expect(outcome == "mismatch")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .pending)
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].confirmed == 0)
        #expect(try await recordedOutcome("evt_short") == "mismatch")
        let notes = try await mismatchNotes(for: admin)
        #expect(notes.count == 1 && notes.first?.data.contains("evt_short") == true)
        #expect(try await deliver(.succeeded, order: order, id: "evt_right") == "applied")
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].confirmed == 1)
    }

    /// A second payment (another event id) for an order already paid is money the shop must give back.
    @Test func aSecondPaymentForAPaidOrderIsAMismatchFlaggedForTheAdmins() async throws {
        let (lan, order, sale) = try await cardOrder()
        let admin = try await fixture.catalog.admin()
        #expect(try await deliver(.succeeded, order: order, id: "evt_first") == "applied")
        #expect(try await deliver(.succeeded, order: order, id: "evt_second") == "mismatch")
        #expect(try await recordedOutcome("evt_second") == "mismatch")
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .confirmed)
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].confirmed == 1)  // sold once
        let notes = try await mismatchNotes(for: admin)
        #expect(notes.count == 1 && notes.first?.data.contains(order.id) == true)
        #expect(try await mismatchNotes(for: lan).isEmpty)
    }

    @Test func cashOnDeliveryOrdersCannotBePaidOnline() async throws {
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        await #expect(throws: AppError.self) { try await payments.checkout(orderID: order.id, by: lan) }
        #expect(try await deliver(.succeeded, order: order, id: "evt_cod") == "ignored")
    }
}

/// A provider whose decisions are recognisable, to see that the simulated route uses nothing else.
private struct RecordingProvider: PaymentProvider {
    func checkoutURL(for order: Order) -> String { "https://pay.example/\(order.id)" }
    func decision(for order: Order, approved: Bool) -> PaymentEvent? {
        PaymentEvent(id: "evt_from_provider_\(order.code)", type: approved ? .succeeded : .failed, orderId: order.id, amount: order.total)
    }
}

@Suite struct PaymentProviderTests {
    private func codOnlyShop() throws -> (OrderFixture, OrderService, PaymentService) {
        let fixture = try OrderFixture()
        let orders = OrderService(
            database: fixture.database,
            clock: fixture.sales.clock,
            jobs: fixture.jobs,
            notifications: NotificationService(database: fixture.database, hub: InProcessNotificationHub(), clock: fixture.sales.clock),
            flashSales: fixture.sales.sales
        )
        return (fixture, orders, PaymentService(database: fixture.database, clock: fixture.sales.clock, orders: orders, webhookSecret: secret))
    }

    /// `PAYMENT_PROVIDER=none`, the default: card and bank transfer are refused at checkout, and there is no
    /// page on which a shopper could mark their own order paid.
    @Test func withoutAProviderCardIsRefusedAndNoGatewayDecides() async throws {
        let (fixture, orders, payments) = try codOnlyShop()
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        for method in [PaymentMethod.card, .bankTransfer] {
            let refused = await #expect(throws: AppError.self) {
                try await orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: method), idempotencyKey: nil)
            }
            #expect(refused?.code == .validationFailed && refused?.fields["paymentMethod"] == "must be one of cod")
        }
        let order = try await orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        let page = await #expect(throws: AppError.self) { try await payments.simulateGateway(orderID: order.id, approve: true, by: lan) }
        #expect(page?.code == .notFound)
        #expect(try await orders.order(id: order.id, for: lan).status == .pending)
    }

    @Test func theSimulatedRouteBuildsItsEventOnlyThroughTheProvidersDecision() async throws {
        let fixture = try OrderFixture()
        let payments = PaymentService(
            database: fixture.database,
            clock: fixture.sales.clock,
            orders: fixture.orders,
            webhookSecret: secret,
            provider: RecordingProvider()
        )
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .card), idempotencyKey: nil)
        #expect(try await payments.checkout(orderID: order.id, by: lan) == "https://pay.example/\(order.id)")
        #expect(try await payments.simulateGateway(orderID: order.id, approve: true, by: lan) == "applied")
        let recorded = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM paymentEvent WHERE orderId = ?", arguments: [order.id])
        }
        #expect(recorded == ["evt_from_provider_\(order.code)"])
    }
}
