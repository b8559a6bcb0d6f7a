import Foundation
import GRDB

/// What payments do to orders, inside the payment's transaction. ``PaymentService`` talks to orders only through
/// these; the flash-sale units follow through the ``StockSettlement`` each returns, applied by ``settle(_:)``.
extension OrderService {
    /// Makes the ledger follow a committed change of orders (the one place a settlement is applied).
    public func settle(_ settlement: StockSettlement) async {
        await flashSales.settle(settlement)
    }

    /// A payment that matches a pending order: the order is confirmed and its flash-sale units sold.
    func confirmPaid(_ db: Database, orderID: String, eventID: String, now: Date) throws -> StockSettlement {
        _ = try applyTransition(db, orderID: orderID, to: .confirmed, actorID: nil, note: "payment \(eventID)", now: now)
        return try StockSettlement(db, confirmed: try ReservationStore.confirm(db, orderID: orderID, now: now))
    }

    /// An order whose payment failed or never came: cancelled, with stock, voucher, points and units given back.
    func cancelUnpaid(_ db: Database, orderID: String, note: String, now: Date) throws -> StockSettlement {
        try applyTransition(db, orderID: orderID, to: .cancelled, actorID: nil, note: note, now: now).1
    }

    /// A payment arrived for an order that was already cancelled (it was left unpaid too long, or the shopper
    /// cancelled it first): the money must go back, so the order becomes `refund_pending` for the admin.
    /// Stock and units stay where the cancellation put them.
    func flagPaymentAfterCancellation(_ db: Database, orderID: String, eventID: String, now: Date) throws {
        guard try OrderStore.setStatus(db, orderID: orderID, from: .cancelled, to: .refundPending, now: now) else { return }
        let note = "payment \(eventID) arrived after the order was cancelled"
        try OrderStore.appendHistory(db, orderID: orderID, status: .refundPending, by: nil, note: note, now: now)
        var order = try Self.fetch(db, id: orderID)
        order.updatedAt = now
        try announce(db, order: order, template: .orderStatus)
    }

    /// Money that does not match the order — a wrong amount, or a second payment for an order already paid.
    /// The order does not change; every admin gets a notification (pushed live, and listed under
    /// notifications) so that the owner checks the provider and pays back what is not owed.
    func flagPaymentMismatch(_ db: Database, order: Order, event: PaymentEvent, reason: String) throws {
        let admins = try UserRecord.filter(UserRecord.Columns.role == UserRole.admin.rawValue && UserRecord.Columns.isDisabled == false)
            .fetchAll(db)
        for admin in admins {
            try notifications.notify(
                db,
                userID: admin.id,
                NotificationDraft(
                    type: "payment.mismatch",
                    title: "Thanh toán cần kiểm tra: đơn \(order.code)",
                    body: "\(reason) (payment \(event.id): \(Self.money(event.amount)), order total \(Self.money(order.total)))",
                    link: "/admin/#orders",
                    data: ["orderId": order.id, "eventId": event.id, "amount": String(event.amount), "total": String(order.total)]
                )
            )
        }
    }
}
