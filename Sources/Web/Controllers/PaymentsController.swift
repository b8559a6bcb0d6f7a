import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// `/api/v1/payments`: the accepted methods, start paying an order, the provider's signed webhook, and the
/// simulated gateway.
struct PaymentsController<Context: AppRequestContextProtocol> {
    let payments: PaymentService

    /// Mounted at `payments`: the accepted methods, and the provider's signed webhook (no session: the signature is
    /// the credential).
    func addPublicRoutes(to group: RouterGroup<Context>) {
        group.get("methods", use: methods)
        group.post("webhook", use: webhook)
    }

    /// Mounted at `payments`, signed in: starting a payment, and the simulated gateway's decision.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.post(":orderId/checkout", use: checkout)
        group.post("simulated/:orderId", use: simulated)
    }

    struct MethodsResponse: ResponseEncodable {
        let methods: [PaymentMethod]
    }

    struct CheckoutResponse: ResponseEncodable {
        let url: String
    }

    struct DecisionRequest: Decodable {
        let approve: Bool
    }

    struct WebhookResponse: ResponseEncodable {
        let outcome: String
    }

    /// Public: the checkout page offers only what the shop takes (`PAYMENT_PROVIDER=none` means cash on delivery).
    @Sendable func methods(_ request: Request, context: Context) async throws -> MethodsResponse {
        MethodsResponse(methods: payments.acceptedMethods)
    }

    @Sendable func checkout(_ request: Request, context: Context) async throws -> CheckoutResponse {
        CheckoutResponse(url: try await payments.checkout(orderID: try context.parameters.require("orderId"), by: try context.requireIdentity()))
    }

    /// The simulated gateway page's approve or decline button.
    @Sendable func simulated(_ request: Request, context: Context) async throws -> WebhookResponse {
        let input = try await request.decode(as: DecisionRequest.self, context: context)
        let outcome = try await payments.simulateGateway(
            orderID: try context.parameters.require("orderId"),
            approve: input.approve,
            by: try context.requireIdentity()
        )
        return WebhookResponse(outcome: outcome)
    }

    /// Verified against the raw bytes of the body, never against re-encoded JSON.
    @Sendable func webhook(_ request: Request, context: Context) async throws -> WebhookResponse {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let outcome = try await payments.handleWebhook(
            body: Data(buffer: body),
            signatureHeader: request.headers[.kleliteSignature]
        )
        return WebhookResponse(outcome: outcome)
    }
}
