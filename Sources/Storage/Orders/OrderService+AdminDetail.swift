import Foundation
import GRDB

extension OrderService {
    /// Any order for the admin: its lines, timeline and the customer's email and name (read in one snapshot).
    public func adminDetail(id: String) async throws -> AdminOrderDetail {
        try await database.read { db in
            var order = try Self.fetch(db, id: id)
            order.history = try Self.history(db, orderID: order.id)
            let customer = try AccountService.user(db, id: order.userId).map { OrderCustomer(id: $0.id, email: $0.email, name: $0.name) }
            return AdminOrderDetail(order: order, customer: customer)
        }
    }
}
