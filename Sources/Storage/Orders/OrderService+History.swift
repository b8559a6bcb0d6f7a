import Foundation
import GRDB

/// One step of an order's life: the status it reached, when, and the note given with the change.
public struct OrderStatusChange: Sendable, Equatable, Codable {
    public var status: OrderStatus
    public var note: String?
    /// Who made the change: `customer`, `admin`, or `system` (a timer or the payment provider).
    public var by: String
    public var createdAt: Date
}

extension OrderService {
    /// The order's status history, oldest first, for its owner or an admin (anyone else gets 404).
    public func history(orderID: String, for identity: Identity) async throws -> [OrderStatusChange] {
        try await database.read { db in
            let order = try Self.fetch(db, id: orderID)
            guard order.userId == identity.user.id || identity.user.role == .admin else { throw AppError.notFound("The order") }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT h.status, h.note, h.createdAt, h.changedBy, u.role AS actorRole
                    FROM orderStatusHistory h LEFT JOIN user u ON u.id = h.changedBy
                    WHERE h.orderId = ? ORDER BY h.createdAt, h.id
                    """,
                arguments: [order.id]
            )
            return try rows.map { row in
                let raw: String = row["status"]
                guard let status = OrderStatus(rawValue: raw) else {
                    throw AppError(.internalError, "This order's history holds a status this server does not know.")
                }
                let changedBy: String? = row["changedBy"]
                let actorRole: String? = row["actorRole"]
                let actor = changedBy == nil ? "system" : actorRole == "admin" ? "admin" : "customer"
                return OrderStatusChange(status: status, note: row["note"], by: actor, createdAt: row["createdAt"])
            }
        }
    }
}
