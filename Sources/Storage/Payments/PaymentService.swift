import Foundation
import GRDB
import Logging

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
/// cancelled is `flagged` (the order becomes `refund_pending` for the admin); money that does not match (a wrong
/// amount, a second payment for an order already paid) is a `mismatch`: logged at warning and sent to every admin
/// as a notification; a failure arriving for an order that is no longer pending is recorded and ignored.
public final class PaymentService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let orders: OrderService
    let signature: WebhookSignature
    /// Nil when the shop takes no online payments (`PAYMENT_PROVIDER=none`): only cash on delivery.
    let provider: (any PaymentProvider)?
    let logger: Logger

    public init(
        database: AppDatabase,
        clock: any AppClock,
        orders: OrderService,
        webhookSecret: String,
        provider: (any PaymentProvider)? = nil,
        logger: Logger = Logger(label: "klelite.payments")
    ) {
        self.database = database
        self.clock = clock
        self.orders = orders
        self.signature = WebhookSignature(secret: webhookSecret)
        self.provider = provider
        self.logger = logger
    }

    /// What a checkout page may offer: cash on delivery, plus card and bank transfer when a provider is configured.
    public var acceptedMethods: [PaymentMethod] { orders.acceptedPaymentMethods }

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

    /// Verifies and applies one webhook delivery; returns what happened (`applied`, `flagged`, `mismatch`,
    /// `duplicate`, `ignored`: see ``PaymentOutcome``).
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
        let (outcome, settlement) = try await database.write { db -> (PaymentOutcome, StockSettlement) in
            guard try !PaymentStore.exists(db, eventID: event.id) else { return (.duplicate, StockSettlement()) }
            let (outcome, settlement) = try self.apply(db, event, now: now)
            try PaymentStore.record(db, event, outcome: outcome, now: now)
            return (outcome, settlement)
        }
        if outcome == .mismatch {
            logger.warning(
                "payment does not match its order; the admins were notified",
                metadata: ["event": "\(event.id)", "order": "\(event.orderId)", "amount": "\(event.amount)"]
            )
        }
        await orders.settle(settlement)
        return outcome.rawValue
    }

    /// What one new event does to its order, inside the webhook's transaction.
    private func apply(_ db: Database, _ event: PaymentEvent, now: Date) throws -> (PaymentOutcome, StockSettlement) {
        guard let order = try? OrderService.fetch(db, id: event.orderId), order.id == event.orderId, order.paymentMethod != .cod else {
            return (.ignored, StockSettlement())
        }
        switch (event.type, order.status) {
        case (.succeeded, .pending) where event.amount == order.total:
            return (.applied, try orders.confirmPaid(db, orderID: order.id, eventID: event.id, now: now))
        case (.succeeded, .pending):
            try orders.flagPaymentMismatch(db, order: order, event: event, reason: "The amount paid is not the order's total.")
            return (.mismatch, StockSettlement())
        case (.succeeded, .cancelled):
            // Money for an order that no longer stands: never silently ignored.
            try orders.flagPaymentAfterCancellation(db, orderID: order.id, eventID: event.id, now: now)
            return (.flagged, StockSettlement())
        case (.succeeded, _):
            try orders.flagPaymentMismatch(db, order: order, event: event, reason: "A second payment arrived for an order already paid.")
            return (.mismatch, StockSettlement())
        case (.failed, .pending):
            return (.applied, try orders.cancelUnpaid(db, orderID: order.id, note: "payment failed", now: now))
        case (.failed, _):
            return (.ignored, StockSettlement())
        }
    }

    /// Cancels an order still unpaid when its payment window closed (run by ``UnpaidOrderJobHandler``).
    func cancelIfUnpaid(orderID: String) async throws {
        let now = clock.now()
        let settlement = try await database.write { db -> StockSettlement in
            guard let order = try? OrderService.fetch(db, id: orderID), order.status == .pending, order.paymentMethod != .cod else {
                return StockSettlement()
            }
            return try self.orders.cancelUnpaid(db, orderID: orderID, note: "not paid in time", now: now)
        }
        await orders.settle(settlement)
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
