import Foundation
import Hummingbird
import Storage

/// `POST /api/v1/vouchers/validate` (a preview on the shopper's cart) and `/api/v1/admin/vouchers`.
struct VouchersController<Context: AppRequestContextProtocol> {
    let vouchers: VoucherService
    let carts: CartService

    /// Mounted at `vouchers`, signed in: a preview on the shopper's cart.
    func addSignedInRoutes(to group: RouterGroup<Context>) {
        group.post("validate", use: validate)
    }

    /// Mounted at `admin/vouchers`.
    func addAdminRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.post(use: create)
        group.patch(":id", use: update)
        group.delete(":id", use: delete)
    }

    struct ValidateRequest: Decodable {
        let code: String
    }

    @Sendable func validate(_ request: Request, context: Context) async throws -> VoucherPreview {
        let input = try await request.decode(as: ValidateRequest.self, context: context)
        return try await vouchers.preview(code: input.code, userID: try context.requireIdentity().user.id, cartsFrom: carts)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> ListResponse<Voucher> {
        ListResponse(items: try await vouchers.list())
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<Voucher> {
        let draft = try await request.decode(as: VoucherDraft.self, context: context)
        return EditedResponse(status: .created, response: try await vouchers.create(draft))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Voucher {
        let input = try await request.decode(as: VoucherUpdateRequest.self, context: context)
        return try await vouchers.update(id: try context.parameters.require("id"), input.changes)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await vouchers.delete(id: try context.parameters.require("id"))
        return .noContent
    }
}

extension Voucher: ResponseEncodable {}
extension VoucherPreview: ResponseEncodable {}
