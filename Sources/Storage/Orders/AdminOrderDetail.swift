import Foundation

/// An order with its timeline and its customer's account, for `GET /api/v1/admin/orders/:id`. `customer` is nil
/// only when the account no longer exists.
public struct AdminOrderDetail: Sendable, Equatable, Codable {
    public var order: Order
    public var customer: OrderCustomer?

    public init(order: Order, customer: OrderCustomer?) {
        self.order = order
        self.customer = customer
    }
}
