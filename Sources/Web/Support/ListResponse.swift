import Hummingbird

/// `{"items": [...]}` for lists that are not paged.
struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable {
    let items: [Item]
}
