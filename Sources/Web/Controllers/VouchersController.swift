import Foundation
import Hummingbird
import Storage

/// `POST /api/v1/vouchers/validate` (a preview on the shopper's cart) and `/api/v1/admin/vouchers`.
struct VouchersController<Context: AppRequestContextProtocol> {
    let vouchers: VoucherService
    let carts: CartService

    func addRoutes(to signedIn: RouterGroup<Context>, admin: RouterGroup<Context>) {
        signedIn.post("vouchers/validate", use: validate)
        admin.get("admin/vouchers", use: list)
        admin.post("admin/vouchers", use: create)
        admin.patch("admin/vouchers/:id", use: update)
        admin.delete("admin/vouchers/:id", use: delete)
    }

    struct ValidateRequest: Decodable {
        let code: String
    }

    struct PreviewResponse: ResponseEncodable {
        let voucher: Voucher
        let subtotal: Int
        let discount: Int
    }

    struct UpdateRequest: Decodable {
        let isActive: Bool
    }

    @Sendable func validate(_ request: Request, context: Context) async throws -> PreviewResponse {
        let input = try await request.decode(as: ValidateRequest.self, context: context)
        let user = try context.requireIdentity().user.id
        let subtotal = try await carts.cart(.user(user)).subtotal
        let (voucher, discount) = try await vouchers.preview(code: input.code, userID: user, subtotal: subtotal)
        return PreviewResponse(voucher: voucher, subtotal: subtotal, discount: discount)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> ListResponse<Voucher> {
        ListResponse(items: try await vouchers.list())
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<Voucher> {
        let draft = try await request.decode(as: VoucherDraft.self, context: context)
        return EditedResponse(status: .created, response: try await vouchers.create(draft))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Voucher {
        let input = try await request.decode(as: UpdateRequest.self, context: context)
        return try await vouchers.setActive(id: try context.parameters.require("id"), input.isActive)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await vouchers.delete(id: try context.parameters.require("id"))
        return .noContent
    }
}

extension Voucher: ResponseEncodable {}
