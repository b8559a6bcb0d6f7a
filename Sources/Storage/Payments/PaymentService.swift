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
/// units; `failed` cancels it (stock, voucher and reservations go back); anything arriving for an order that
/// is no longer pending is recorded and ignored.
public final class PaymentService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let orders: OrderService
    let signature: WebhookSignature
    let provider: any PaymentProvider

    public init(
        database: AppDatabase,
        clock: any AppClock,
        orders: OrderService,
        webhookSecret: String,
        provider: any PaymentProvider = SimulatedPaymentProvider(publicBaseURL: "http://127.0.0.1:8080")
    ) {
        self.database = database
        self.clock = clock
        self.orders = orders
        self.signature = WebhookSignature(secret: webhookSecret)
        self.provider = provider
    }

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
        return provider.checkoutURL(for: order)
    }

    /// The simulated gateway's decision, delivered the way a real provider does: as a signed webhook.
    public func simulateGateway(orderID: String, approve: Bool, by identity: Identity) async throws -> String {
        let order = try await orders.order(id: orderID, for: identity)
        let event = PaymentEvent(
            id: "evt_\(UUID().uuidString.lowercased())",
            type: approve ? .succeeded : .failed,
            orderId: order.id,
            amount: order.total
        )
        let body = try JSONEncoder.jobs.encode(event)
        return try await handleWebhook(body: body, signatureHeader: signature.header(for: body, at: clock.now()))
    }

    /// Verifies and applies one webhook delivery; returns what happened (`applied`, `duplicate`, `ignored`).
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
        let (outcome, order, released) = try await database.write { db -> (String, Order?, [Reservation]) in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM paymentEvent WHERE id = ?", arguments: [event.id]) == nil else {
                return ("duplicate", nil, [])
            }
            var outcome = "ignored"
            var result: (Order, [Reservation])?
            if let current = try? OrderService.fetch(db, id: event.orderId), current.status == .pending, current.paymentMethod != .cod {
                if event.type == .succeeded, event.amount == current.total {
                    result = try self.orders.applyTransition(
                        db,
                        orderID: current.id,
                        to: .confirmed,
                        actorID: nil,
                        note: "payment \(event.id)",
                        now: now
                    )
                    outcome = "applied"
                } else if event.type == .failed {
                    result = try self.orders.applyTransition(db, orderID: current.id, to: .cancelled, actorID: nil, note: "payment failed", now: now)
                    outcome = "applied"
                }
            }
            try db.execute(
                sql: "INSERT INTO paymentEvent (id, orderId, type, amount, outcome, receivedAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [event.id, event.orderId, event.type.rawValue, event.amount, outcome, now]
            )
            return (outcome, result?.0, result?.1 ?? [])
        }
        try await orders.flashSales.returnToLedger(released)
        if let order, order.status == .confirmed {
            for line in order.lines { if let id = line.reservationId { _ = try await orders.flashSales.confirm(reservationID: id) } }
        }
        return outcome
    }

    /// Cancels an order still unpaid when its payment window closed (run by ``UnpaidOrderJobHandler``).
    func cancelIfUnpaid(orderID: String) async throws {
        let now = clock.now()
        let released = try await database.write { db -> [Reservation] in
            guard let order = try? OrderService.fetch(db, id: orderID), order.status == .pending, order.paymentMethod != .cod else { return [] }
            return try self.orders.applyTransition(db, orderID: orderID, to: .cancelled, actorID: nil, note: "not paid in time", now: now).1
        }
        try await orders.flashSales.returnToLedger(released)
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
