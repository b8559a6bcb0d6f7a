import Foundation
import Hummingbird
import Storage

/// `/api/v1/flash-sales`: the sale clock, sales with live stock, the stock stream, and reservations.
struct FlashSalesController<Context: AppRequestContextProtocol> {
    let sales: FlashSaleService
    let stream: EventStreamResponder
    /// One stock snapshot per sale per tick, shared by every open stream of the sale.
    let stockEvents: SaleStockBroadcaster

    /// Mounted at `flash-sales`: the sale clock, sales with live stock, and the stock stream.
    func addPublicRoutes(to group: RouterGroup<Context>) {
        group.get("time", use: time)
        group.get(use: list)
        group.get(":id", use: detail)
        group.get(":id/stock", use: stock)
        group.get(":id/stream", use: live)
    }

    /// Mounted at `flash-sales`, signed in: a shopper's own reservations.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.get("reservations/mine", use: mine)
        group.post(":id/reserve", use: reserve)
        group.delete(":id/reservations/:reservationId", use: release)
    }

    /// Mounted at `flash-sales`, admin: confirming a reservation outside the order flow.
    func addAdminReservationRoutes(to group: RouterGroup<Context>) {
        group.post(":id/confirm-reservation/:reservationId", use: confirm)
    }

    /// Mounted at `admin/flash-sales`: every sale, creating, editing and cancelling.
    func addAdminRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.post(use: create)
        group.patch(":id", use: update)
        group.post(":id/cancel", use: cancel)
    }

    struct TimeResponse: ResponseEncodable {
        let now: Date
    }

    struct SaleRequest: Decodable {
        struct Item: Decodable {
            let productId: String
            let salePrice: Int
            let quantity: Int
            let perUserLimit: Int
        }

        let name: String
        let slug: String?
        let description: String?
        let bannerImage: String?
        let startsAt: Date
        let endsAt: Date
        let earlyAccessTier: String?
        let earlyAccessMinutes: Int?
        let items: [Item]

        var draft: FlashSaleDraft {
            FlashSaleDraft(
                name: name,
                slug: slug,
                description: description ?? "",
                bannerImage: bannerImage,
                startsAt: startsAt,
                endsAt: endsAt,
                earlyAccessTier: earlyAccessTier,
                earlyAccessMinutes: earlyAccessMinutes ?? 0,
                items: items.map { .init(productId: $0.productId, salePrice: $0.salePrice, quantity: $0.quantity, perUserLimit: $0.perUserLimit) }
            )
        }
    }

    @Sendable func time(_ request: Request, context: Context) async throws -> TimeResponse {
        TimeResponse(now: sales.now())
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> ListResponse<FlashSale> {
        ListResponse(items: try await sales.list(status: try request.choiceQuery("status", as: FlashSaleStatus.self)))
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> FlashSale {
        try await sales.sale(idOrSlug: try context.parameters.require("id"))
    }

    @Sendable func stock(_ request: Request, context: Context) async throws -> Response {
        try JSONCoding.response(StockSnapshot(try await sales.sale(idOrSlug: try context.parameters.require("id"))))
    }

    /// `stock` events whenever the sale's counters change, coalesced by ``SaleStockBroadcaster``.
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        let slot = try stream.takeSlot(for: context.clientAddress)
        let sale = try await sales.sale(idOrSlug: try context.parameters.require("id"))
        let mailbox = StreamMailbox()
        let opening = stockEvents.subscribe(saleID: sale.id, opening: sale, into: mailbox)
        return stream.response(on: context.channel, holding: slot, opening: [opening], mailbox: mailbox)
    }

    @Sendable func reserve(_ request: Request, context: Context) async throws -> EditedResponse<Reservation> {
        let input = try await request.decode(as: ReserveRequest.self, context: context, fastPath: ReserveRequest.init(flatJSON:))
        let reservation = try await sales.reserve(
            by: try context.requireIdentity(),
            saleID: try context.parameters.require("id"),
            productID: input.productId,
            quantity: input.quantity
        )
        return EditedResponse(status: .created, response: reservation)
    }

    @Sendable func release(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await sales.release(reservationID: try context.parameters.require("reservationId"), by: try context.requireIdentity())
        return .noContent
    }

    @Sendable func confirm(_ request: Request, context: Context) async throws -> Reservation {
        try await sales.confirm(saleID: try context.parameters.require("id"), reservationID: try context.parameters.require("reservationId"))
    }

    @Sendable func mine(_ request: Request, context: Context) async throws -> ListResponse<Reservation> {
        ListResponse(items: try await sales.reservations(userID: try context.requireIdentity().user.id))
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<FlashSale> {
        let input = try await request.decode(as: SaleRequest.self, context: context)
        return EditedResponse(status: .created, response: try await sales.create(input.draft))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> FlashSale {
        let input = try await request.decode(as: SaleRequest.self, context: context)
        return try await sales.update(id: try context.parameters.require("id"), input.draft)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> FlashSale {
        try await sales.cancel(id: try context.parameters.require("id"))
    }
}

extension FlashSale: ResponseEncodable {}
extension Reservation: ResponseEncodable {}
