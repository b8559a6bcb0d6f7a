import Foundation
import Hummingbird
import Storage

/// `/api/v1/cart`: the signed-in user's cart, or a guest's (its id in the HttpOnly `klelite_cart` cookie).
struct CartController<Context: AppRequestContextProtocol> {
    static var cookieName: String { "klelite_cart" }

    let carts: CartService
    let secureCookies: Bool
    /// Counts new guest carts per client address, so a script cannot fill the database with carts.
    let limiter: any RateLimiter
    let guestCartsPerHour: Int

    /// Mounted at `cart`: a signed-in user's cart or a guest's.
    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: show)
        group.delete(use: clear)
        group.post("items", use: add)
        group.patch("items/:productId", use: update)
        group.delete("items/:productId", use: remove)
    }

    struct AddRequest: Decodable {
        let productId: String
        let quantity: Int
    }

    struct QuantityRequest: Decodable {
        let quantity: Int
    }

    /// The cart's owner: the signed-in user, else the guest cart named by the cookie, else none yet.
    static func owner(_ request: Request, _ context: Context) -> CartOwner? {
        if let identity = context.identity { return .user(identity.user.id) }
        if let id = request.cookies[cookieName]?.value, !id.isEmpty { return .guest(id) }
        return nil
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        guard let owner = Self.owner(request, context) else { return try JSONCoding.response(Cart.empty) }
        return try JSONCoding.response(try await carts.cart(owner))
    }

    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: AddRequest.self, context: context)
        let owner = Self.owner(request, context)
        try await checkNewGuestCart(owner, context: context)
        let cart = try await carts.add(owner, productID: input.productId, quantity: input.quantity)
        var response = try JSONCoding.response(cart)
        if context.identity == nil, let id = cart.id, request.cookies[Self.cookieName]?.value != id {
            response.setCookie(
                Cookie(name: Self.cookieName, value: id, maxAge: 30 * 24 * 3600, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
            )
        }
        return response
    }

    /// Counts a guest cart about to be started (no cookie, or one naming no cart) against the address's hourly limit.
    private func checkNewGuestCart(_ owner: CartOwner?, context: Context) async throws {
        if case .user = owner { return }
        if case .guest(let id) = owner, try await carts.guestCartExists(id) { return }
        let key = "cart:new:\(context.clientAddress ?? "unknown")"
        if case .limited(let retryAfter) = await limiter.attempt(key, limit: guestCartsPerHour, window: 3600) {
            throw AppError(.rateLimited, "Too many new carts from this address. Try again later.", retryAfter: retryAfter)
        }
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let input = try await request.decode(as: QuantityRequest.self, context: context)
        guard let owner = Self.owner(request, context) else { throw AppError.notFound("The cart line") }
        return try JSONCoding.response(try await carts.set(owner, productID: try context.parameters.require("productId"), quantity: input.quantity))
    }

    @Sendable func remove(_ request: Request, context: Context) async throws -> Response {
        guard let owner = Self.owner(request, context) else { throw AppError.notFound("The cart line") }
        return try JSONCoding.response(try await carts.set(owner, productID: try context.parameters.require("productId"), quantity: 0))
    }

    @Sendable func clear(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        if let owner = Self.owner(request, context) { try await carts.clear(owner) }
        return .noContent
    }
}
