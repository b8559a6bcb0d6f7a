import Foundation
import GRDB

/// A payment event as the provider sends it to the webhook.
public struct PaymentEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case succeeded = "payment.succeeded", failed = "payment.failed" }

    public var id: String
    public var type: Kind
    public var orderId: String
    public var amount: Int

    public init(id: String, type: Kind, orderId: String, amount: Int) {
        self.id = id
        self.type = type
        self.orderId = orderId
        self.amount = amount
    }
}

/// Takes payments for `card` and `bank_transfer` orders through a provider, and applies its webhooks.
///
/// Webhooks are verified (HMAC over the raw body with a timestamp), recorded by event id in the same
/// transaction as their effect — so a replayed or duplicated event changes nothing, also after a restart —
/// and act only on a real state change: `succeeded` confirms a pending order and sells its flash-sale
/// units; `failed` cancels it (stock, voucher and reservations go back); a success for an order already
/// cancelled is `flagged` (the order becomes `refund_pending` for the admin); anything else arriving for an
/// order that is no longer pending is recorded and ignored.
public final class PaymentService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let orders: OrderService
    let signature: WebhookSignature
    /// Nil when the shop takes no online payments (`PAYMENT_PROVIDER=none`): only cash on delivery.
    let provider: (any PaymentProvider)?

    public init(
        database: AppDatabase,
        clock: any AppClock,
        orders: OrderService,
        webhookSecret: String,
        provider: (any PaymentProvider)? = nil
    ) {
        self.database = database
        self.clock = clock
        self.orders = orders
        self.signature = WebhookSignature(secret: webhookSecret)
        self.provider = provider
    }

    /// What a checkout page may offer: cash on delivery, plus card and bank transfer when a provider is configured.
    public var acceptedMethods: [PaymentMethod] { orders.acceptedPaymentMethods }

    static func v9Payments(_ db: Database) throws {
        try db.create(table: "paymentEvent") { t in
            t.primaryKey("id", .text)
            t.column("orderId", .text).notNull()
            t.column("type", .text).notNull()
            t.column("amount", .integer).notNull()
            t.column("outcome", .text).notNull()
            t.column("receivedAt", .datetime).notNull()
        }
    }

    /// Where the shopper pays: the simulated gateway's page for this order. (The job that cancels the order
    /// if it stays unpaid was queued with the order.)
    public func checkout(orderID: String, by identity: Identity) async throws -> String {
        let order = try await orders.order(id: orderID, for: identity)
        guard order.paymentMethod != .cod else { throw AppError(.conflict, "Cash-on-delivery orders are paid on delivery.") }
        guard order.status == .pending else { throw AppError(.conflict, "This order is \(order.status.rawValue) and cannot be paid now.") }
        guard let provider else { throw AppError(.conflict, "This shop takes no online payments.") }
        return provider.checkoutURL(for: order)
    }

    /// The shopper's decision on the provider's page, where the provider lets the shop host it (the simulated
    /// gateway), delivered the way a real provider does: as a signed webhook. The event comes only from the
    /// provider's ``PaymentProvider/decision(for:approved:)``; without such a provider there is no such page (404).
    public func simulateGateway(orderID: String, approve: Bool, by identity: Identity) async throws -> String {
        guard let provider else { throw AppError.notFound("The payment page") }
        let order = try await orders.order(id: orderID, for: identity)
        guard let event = provider.decision(for: order, approved: approve) else { throw AppError.notFound("The payment page") }
        let body = try JSONEncoder.jobs.encode(event)
        return try await handleWebhook(body: body, signatureHeader: signature.header(for: body, at: clock.now()))
    }

    /// Verifies and applies one webhook delivery; returns what happened (`applied`, `flagged`, `duplicate`, `ignored`).
    @discardableResult
    public func handleWebhook(body: Data, signatureHeader: String?) async throws -> String {
        let now = clock.now()
        try signature.verify(header: signatureHeader, body: body, now: now)
        let event: PaymentEvent
        do {
            event = try JSONDecoder.jobs.decode(PaymentEvent.self, from: body)
        } catch {
            throw AppError.validation("The webhook body is not a payment event.")
        }
        let (outcome, settlement) = try await database.write { db -> (String, StockSettlement) in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM paymentEvent WHERE id = ?", arguments: [event.id]) == nil else {
                return ("duplicate", StockSettlement())
            }
            var outcome = "ignored"
            var settlement = StockSettlement()
            let current = try Row.fetchOne(db, sql: "SELECT status, paymentMethod, total FROM \"order\" WHERE id = ?", arguments: [event.orderId])
            let status = current.flatMap { OrderStatus(rawValue: $0["status"]) }
            let online = current.map { ($0["paymentMethod"] as String) != PaymentMethod.cod.rawValue } ?? false
            let total: Int? = current?["total"]
            if online, status == .pending {
                if event.type == .succeeded, event.amount == total {
                    // The order is confirmed and its flash-sale units sold in this one transaction.
                    _ = try self.orders.applyTransition(
                        db,
                        orderID: event.orderId,
                        to: .confirmed,
                        actorID: nil,
                        note: "payment \(event.id)",
                        now: now
                    )
                    settlement.confirmed = try FlashSaleService.confirmReservations(db, orderID: event.orderId, now: now)
                    outcome = "applied"
                } else if event.type == .failed {
                    settlement = try self.orders.applyTransition(
                        db,
                        orderID: event.orderId,
                        to: .cancelled,
                        actorID: nil,
                        note: "payment failed",
                        now: now
                    ).1
                    outcome = "applied"
                }
            } else if online, status == .cancelled, event.type == .succeeded {
                // Money for an order that no longer stands: never silently ignored.
                try self.orders.flagPaymentAfterCancellation(db, orderID: event.orderId, eventID: event.id, now: now)
                outcome = "flagged"
            }
            try db.execute(
                sql: "INSERT INTO paymentEvent (id, orderId, type, amount, outcome, receivedAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [event.id, event.orderId, event.type.rawValue, event.amount, outcome, now]
            )
            return (outcome, settlement)
        }
        await orders.flashSales.settle(settlement)
        return outcome
    }

    /// Cancels an order still unpaid when its payment window closed (run by ``UnpaidOrderJobHandler``).
    func cancelIfUnpaid(orderID: String) async throws {
        let now = clock.now()
        let settlement = try await database.write { db -> StockSettlement in
            guard let order = try? OrderService.fetch(db, id: orderID), order.status == .pending, order.paymentMethod != .cod else {
                return StockSettlement()
            }
            return try self.orders.applyTransition(db, orderID: orderID, to: .cancelled, actorID: nil, note: "not paid in time", now: now).1
        }
        await orders.flashSales.settle(settlement)
    }
}

/// The payload of the delayed job that cancels an order left unpaid.
public struct UnpaidOrderJob: Codable, Sendable {
    public static let kind = "payments.unpaid-order"
    public var orderID: String
}

/// Runs ``UnpaidOrderJob``s.
public struct UnpaidOrderJobHandler: JobHandler {
    public let kinds = [UnpaidOrderJob.kind]
    let payments: PaymentService

    public init(payments: PaymentService) {
        self.payments = payments
    }

    public func run(_ job: Job) async throws {
        try await payments.cancelIfUnpaid(orderID: try job.decodePayload(UnpaidOrderJob.self).orderID)
    }
}
