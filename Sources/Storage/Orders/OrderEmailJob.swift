import Foundation
import GRDB

/// The payload of an `order-email` job: which event of which order to tell the customer about (the order placed, or its
/// status changed to `status`). The email itself is written when the job runs, from the stored order and customer, by the
/// email queue's worker (``EmailJobHandler``): the order's transaction — which every checkout of the shop waits its turn
/// for in the one writer — stores only these three fields. Writing the text there (the lines and amounts, and eight
/// values encoded as JSON) was about a tenth of the writer's CPU time per checkout.
///
/// An order's lines, code, amounts and payment method do not change once it is placed; the status is the event's, so an
/// email sent after a later change still tells of the change it announces. The customer's name and address are read when
/// the email is written (an address cannot change; a name changed meanwhile is the new one).
public struct OrderEmailJob: Codable, Sendable, Equatable {
    public var orderID: String
    public var status: OrderStatus
    public var template: EmailTemplate

    public init(orderID: String, status: OrderStatus, template: EmailTemplate) {
        self.orderID = orderID
        self.status = status
        self.template = template
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "orderId"
        case status
        case template
    }

    public static let kind = "order-email"

    /// One Message-ID per order and status: the same event is never emailed twice.
    public var messageID: String { "order-\(orderID)-\(status.rawValue)" }

    /// The job request, on the email queue; the Message-ID doubles as the idempotency key. Its payload is what encoding
    /// this value gives, written without an encoder: every checkout's transaction writes one.
    func request(priority: Int) -> JobRequest {
        JobRequest(
            queue: EmailJob.queue,
            kind: Self.kind,
            encodedPayload: FlatJSONWriter.object([
                CodingKeys.orderID.rawValue: orderID, CodingKeys.status.rawValue: status.rawValue,
                CodingKeys.template.rawValue: template.rawValue,
            ]),
            idempotencyKey: messageID,
            priority: priority,
            maxAttempts: 10
        )
    }

    /// This event's email, from the order and its customer as stored; nil when the order is not there.
    func email(_ db: Database, shopURL: String) throws -> EmailJob? {
        guard let order = try OrderStore.find(db, id: orderID),
            let customer = try UserRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM user WHERE id = ?"), arguments: [order.userId])
        else { return nil }
        let lines = order.lines.map { "- \($0.quantity) × \($0.name): \(OrderService.money($0.lineTotal))" }.joined(separator: "\n")
        return EmailJob(
            messageID: messageID,
            to: customer.email,
            template: template,
            values: [
                "name": customer.name, "code": order.code, "lines": lines, "total": OrderService.money(order.total),
                "paymentMethod": order.paymentMethod.rawValue, "statusLabel": status.label, "statusLabelEn": status.englishLabel,
                "orderURL": shopURL + OrderService.link(to: order.id),
            ]
        )
    }
}
