/// The order an admin list is read in: one whitelisted column and a direction, written `total` (ascending) or
/// `-total` (descending) in a `sort` query parameter. The key is an enum, so no text from a request ever reaches SQL.
public struct ListSort<Key: RawRepresentable & CaseIterable & Sendable & Equatable>: Sendable, Equatable where Key.RawValue == String {
    public let key: Key
    public let descending: Bool

    public init(_ key: Key, descending: Bool = false) {
        self.key = key
        self.descending = descending
    }

    /// Parses `key` or `-key`; anything else is a 400 naming the field `sort` and every accepted value.
    public init(parsing raw: String) throws(AppError) {
        let descending = raw.hasPrefix("-")
        let name = descending ? String(raw.dropFirst()) : raw
        guard let key = Key(rawValue: name) else {
            let allowed = Key.allCases.flatMap { [$0.rawValue, "-" + $0.rawValue] }.joined(separator: ", ")
            throw .validation("Unknown sort order.", fields: ["sort": "must be one of \(allowed)"])
        }
        self.init(key, descending: descending)
    }

    /// `sort=` text for this order, the inverse of ``init(parsing:)``.
    public var text: String { (descending ? "-" : "") + key.rawValue }

    /// `ASC` or `DESC`, for the ORDER BY clause.
    var direction: String { descending ? "DESC" : "ASC" }
}
