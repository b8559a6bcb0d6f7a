/// Which slice of a list a caller asked for: `page` from 1, `limit` 1–100.
public struct PageRequest: Sendable, Equatable {
    public static let maximumLimit = 100

    public let page: Int
    public let limit: Int

    /// Validates the numbers, naming the field that is out of range.
    public init(page: Int = 1, limit: Int = 20) throws(AppError) {
        guard page >= 1, page <= 1_000_000 else {
            throw .validation("The page number is out of range.", fields: ["page": "must be an integer from 1"])
        }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw .validation("The page size is out of range.", fields: ["limit": "must be an integer from 1 to \(Self.maximumLimit)"])
        }
        self.page = page
        self.limit = limit
    }

    /// Page 1 of 20, the default slice.
    public static let first = PageRequest(checkedPage: 1, limit: 20)

    private init(checkedPage page: Int, limit: Int) {
        self.page = page
        self.limit = limit
    }

    public var offset: Int { (page - 1) * limit }
}

/// One page of a list and the size of the whole list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var limit: Int
    public var total: Int

    public init(items: [Item], request: PageRequest, total: Int) {
        self.items = items
        self.page = request.page
        self.limit = request.limit
        self.total = total
    }

    public func map<Other>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), page: page, limit: limit, total: total)
    }

    private init(items: [Item], page: Int, limit: Int, total: Int) {
        self.items = items
        self.page = page
        self.limit = limit
        self.total = total
    }
}

extension Page: Equatable where Item: Equatable {}
extension Page: Encodable where Item: Encodable {}
