import Hummingbird
import Storage

/// `/api/v1/admin/users`: the admin's list of accounts, and role or disabled changes.
struct AdminUsersController<Context: AppRequestContextProtocol> {
    let accounts: AccountService
    /// Disabling a user closes their live streams; so does demoting one, so an open admin dashboard stops at once
    /// (their notification stream reconnects by itself).
    let hub: any NotificationHub

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.patch(":id", use: update)
    }

    struct UpdateRequest: Decodable {
        let role: String?
        let disabled: Bool?
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> PageResponse<UserResponse> {
        let search = request.uri.queryParameters["q"].map(String.init)
        let sort = try request.sortQuery(as: UserSortKey.self) ?? .newestUsers
        let page = try await accounts.listUsers(search: search, sort: sort, page: try PageRequest(query: request))
        return PageResponse(page, UserResponse.init)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> UserResponse {
        let id = try context.parameters.require("id")
        let input = try await request.decode(as: UpdateRequest.self, context: context)
        var role: UserRole?
        if let raw = input.role {
            guard let parsed = UserRole(rawValue: raw) else {
                throw AppError.validation("Unknown role.", fields: ["role": "must be one of customer, admin"])
            }
            role = parsed
        }
        let user = try await accounts.updateUser(id: id, .init(role: role, isDisabled: input.disabled), by: try context.requireIdentity())
        if user.isDisabled || role == .customer { hub.disconnect(user: user.id) }
        return UserResponse(user)
    }
}
