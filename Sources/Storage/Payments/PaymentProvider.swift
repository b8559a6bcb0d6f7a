import Foundation

/// A payment provider: where the shopper goes to pay, and how the provider's decision is delivered back.
/// The shop applies decisions only through the signed webhook (``PaymentService/handleWebhook(body:signatureHeader:)``).
public protocol PaymentProvider: Sendable {
    /// The page where the shopper pays this order.
    func checkoutURL(for order: Order) -> String
    /// The event for a shopper's decision, where the provider lets the shopper decide on the shop's own page
    /// (the simulated provider); nil for providers that decide on their own site.
    func decision(for order: Order, approved: Bool) -> PaymentEvent?
}

/// The built-in provider for a shop without a payment contract: its gateway page (`/pay.html`) is served by
/// the shop itself and lets the shopper approve or decline; the decision arrives as a signed webhook.
public struct SimulatedPaymentProvider: PaymentProvider {
    let publicBaseURL: String

    public init(publicBaseURL: String) {
        self.publicBaseURL = publicBaseURL
    }

    public func checkoutURL(for order: Order) -> String {
        "\(publicBaseURL)/pay.html#\(order.id)"
    }

    public func decision(for order: Order, approved: Bool) -> PaymentEvent? {
        PaymentEvent(id: "evt_\(UUID().uuidString.lowercased())", type: approved ? .succeeded : .failed, orderId: order.id, amount: order.total)
    }
}
