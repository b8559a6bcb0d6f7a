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
        payments = PaymentService(database: fixture.database, clock: fixture.sales.clock, orders: fixture.orders, webhookSecret: secret)
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
            queues: [.init(name: EmailJob.queue, concurrency: 1)]
        )
        fixture.sales.clock.advance(by: 29 * 60)
        try await workers.drain(queue: EmailJob.queue)
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .pending)
        fixture.sales.clock.advance(by: 60)
        try await workers.drain(queue: EmailJob.queue)
        #expect(try await fixture.orders.order(id: order.id, for: lan).status == .cancelled)
        #expect(try await fixture.stock("macaron-hop-12") == 10)
    }

    @Test func cashOnDeliveryOrdersCannotBePaidOnline() async throws {
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        await #expect(throws: AppError.self) { try await payments.checkout(orderID: order.id, by: lan) }
        #expect(try await deliver(.succeeded, order: order, id: "evt_cod") == "ignored")
    }
}
