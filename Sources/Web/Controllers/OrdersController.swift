import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// `/api/v1/orders` for shoppers and `/api/v1/admin/orders` for the bakery.
struct OrdersController<Context: AppRequestContextProtocol> {
    let orders: OrderService

    /// Mounted at `orders`, signed in.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.post(use: place)
        group.get(use: mine)
        group.get(":id", use: detail)
        group.post(":id/cancel", use: cancel)
    }

    /// Mounted at `admin/orders`.
    func addAdminRoutes(to group: RouterGroup<Context>) {
        group.get(use: all)
        group.get(":id", use: adminDetail)
        group.patch(":id/status", use: changeStatus)
    }

    struct StatusRequest: Decodable {
        let status: String
        let note: String?
    }

    @Sendable func place(_ request: Request, context: Context) async throws -> EditedResponse<Order> {
        let input = try await request.decode(as: PlaceOrderRequest.self, context: context, fastPath: PlaceOrderRequest.init(flatJSON:))
        guard let method = PaymentMethod(rawValue: input.paymentMethod) else {
            throw AppError.validation("Unknown payment method.", fields: ["paymentMethod": "must be one of cod, card, bank_transfer"])
        }
        let order = try await orders.place(
            by: try context.requireIdentity(),
            CheckoutRequest(
                address: input.address,
                note: input.note ?? "",
                paymentMethod: method,
                voucherCode: input.voucherCode,
                pointsToRedeem: input.pointsToRedeem ?? 0
            ),
            idempotencyKey: request.headers[.idempotencyKey]
        )
        return EditedResponse(status: .created, response: order)
    }

    @Sendable func mine(_ request: Request, context: Context) async throws -> OrderPageResponse {
        OrderPageResponse(
            page: try await orders.list(.init(userID: try context.requireIdentity().user.id), page: try PageRequest(query: request))
        )
    }

    /// `status`, `from` and `to` (ISO-8601 dates or times; `to` exclusive), `q` (order code or email), `sort` (`-createdAt` default).
    @Sendable func all(_ request: Request, context: Context) async throws -> OrderPageResponse {
        let filter = OrderService.Filter(
            status: try request.choiceQuery("status", as: OrderStatus.self),
            from: try Self.date(request, "from"),
            to: try Self.date(request, "to"),
            search: request.textQuery("q")
        )
        let sort = try request.sortQuery(as: OrderSortKey.self) ?? .newestOrders
        return OrderPageResponse(page: try await orders.list(filter, sort: sort, page: try PageRequest(query: request)))
    }

    static func date(_ request: Request, _ name: String) throws(AppError) -> Date? {
        guard let raw = request.textQuery(name) else { return nil }
        if let moment = try? Date(raw, strategy: .iso8601) { return moment }
        if let day = try? Date(raw + "T00:00:00Z", strategy: .iso8601) { return day }
        throw .validation("\(name) must be a date.", fields: [name: "must be an ISO-8601 date like 2026-11-25"])
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> Order {
        try await orders.order(id: try context.parameters.require("id"), for: try context.requireIdentity())
    }

    /// The admin's view of any order: the order plus the customer's email and name.
    @Sendable func adminDetail(_ request: Request, context: Context) async throws -> AdminOrderDetail {
        try await orders.adminDetail(id: try context.parameters.require("id"))
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Order {
        try await orders.changeStatus(orderID: try context.parameters.require("id"), to: .cancelled, by: try context.requireIdentity())
    }

    @Sendable func changeStatus(_ request: Request, context: Context) async throws -> Order {
        let input = try await request.decode(as: StatusRequest.self, context: context)
        guard let status = OrderStatus(rawValue: input.status) else {
            let allowed = OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")
            throw AppError.validation("Unknown status.", fields: ["status": "must be one of \(allowed)"])
        }
        return try await orders.changeStatus(
            orderID: try context.parameters.require("id"),
            to: status,
            by: try context.requireIdentity(),
            note: input.note
        )
    }
}

extension AdminOrderDetail: ResponseEncodable {}
extension Cart: ResponseEncodable {}
