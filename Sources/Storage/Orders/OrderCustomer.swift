import Foundation

/// Who placed an order, as the admin sees it: the account's email and name (the address may name someone else).
public struct OrderCustomer: Sendable, Equatable, Codable {
    public var id: String
    public var email: String
    public var name: String

    public init(id: String, email: String, name: String) {
        self.id = id
        self.email = email
        self.name = name
    }
}
