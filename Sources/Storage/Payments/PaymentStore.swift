import Foundation
import GRDB

/// What the shop did with one payment event.
enum PaymentOutcome: String, Codable, Sendable {
    /// The event changed the order (confirmed it, or cancelled it on a failure).
    case applied
    /// Money for an order already cancelled: the order became `refund_pending`.
    case flagged
    /// Money that does not match the order (a wrong amount, or a second payment for an order already paid):
    /// nothing changed, and the admins were told.
    case mismatch
    /// The event id was seen before.
    case duplicate
    /// Nothing to do (a failure after a success, an event for a cash-on-delivery order or an unknown one).
    case ignored
}

/// The one owner of the `paymentEvent` table: one row per event id, written in the transaction of its effect.
enum PaymentStore {
    /// A row of `paymentEvent`. Its type and outcome decode strictly: an unknown value is an error, never a guess.
    struct Record: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "paymentEvent"

        var id: String
        var orderId: String
        var type: PaymentEvent.Kind
        var amount: Int
        var outcome: PaymentOutcome
        var receivedAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let orderId = Column(CodingKeys.orderId)
            static let type = Column(CodingKeys.type)
            static let outcome = Column(CodingKeys.outcome)
            static let receivedAt = Column(CodingKeys.receivedAt)
        }
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

    static func exists(_ db: Database, eventID: String) throws -> Bool {
        try Record.exists(db, key: eventID)
    }

    static func record(_ db: Database, _ event: PaymentEvent, outcome: PaymentOutcome, now: Date) throws {
        try Record(id: event.id, orderId: event.orderId, type: event.type, amount: event.amount, outcome: outcome, receivedAt: now).insert(db)
    }

    /// Whether the provider's webhook confirmed a payment for the order.
    static func isPaid(_ db: Database, orderID: String) throws -> Bool {
        try Record.filter(
            Record.Columns.orderId == orderID && Record.Columns.type == PaymentEvent.Kind.succeeded.rawValue
                && Record.Columns.outcome == PaymentOutcome.applied.rawValue
        ).fetchCount(db) > 0
    }

    /// Deletes payment events received before `cutoff`. Webhooks older than five minutes are refused anyway, so
    /// an event that old can no longer arrive again and its id is not needed to spot a duplicate.
    static func prune(_ db: Database, before cutoff: Date) throws -> Int {
        try Record.filter(Record.Columns.receivedAt < cutoff).deleteAll(db)
    }
}
