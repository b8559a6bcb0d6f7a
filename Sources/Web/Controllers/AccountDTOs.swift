import Foundation
import Hummingbird
import Storage

/// A user as the API shows it. Built only from ``User``, which holds no password hash.
struct UserResponse: ResponseEncodable, Equatable {
    let id: String
    let email: String
    let name: String
    let phone: String?
    let role: String
    let disabled: Bool
    let createdAt: Date
    let updatedAt: Date

    init(_ user: User) {
        id = user.id
        email = user.email
        name = user.name
        phone = user.phone
        role = user.role.rawValue
        disabled = user.isDisabled
        createdAt = user.createdAt
        updatedAt = user.updatedAt
    }
}

/// The answer of register, login and refresh. The refresh token travels only in its HttpOnly cookie.
struct SessionResponse: ResponseEncodable {
    let user: UserResponse
    let accessToken: String
    let accessTokenExpiresAt: Date
}

/// `{"items": [...], "page", "limit", "total"}`.
struct PageResponse<Item: Encodable & Sendable>: ResponseEncodable {
    let items: [Item]
    let page: Int
    let limit: Int
    let total: Int

    init<Source>(_ page: Page<Source>, _ transform: (Source) -> Item) {
        self.items = page.items.map(transform)
        self.page = page.page
        self.limit = page.limit
        self.total = page.total
    }
}

extension PageRequest {
    /// Reads `page` and `limit` from the query string; anything but an integer in range is a 400.
    init(query: Request) throws(AppError) {
        try self.init(query: QueryValues(query))
    }

    /// Reads `page` and `limit` from query parameters already parsed.
    init(query: QueryValues) throws(AppError) {
        try self.init(page: try query.integer("page") ?? 1, limit: try query.integer("limit") ?? 20)
    }
}
