/// The columns the admin's user list can be sorted by.
public enum UserSortKey: String, Sendable, CaseIterable {
    case createdAt, email, name, role, disabled

    var column: String {
        switch self {
        case .createdAt: "createdAt"
        case .email: "email COLLATE NOCASE"
        case .name: "name COLLATE NOCASE"
        case .role: "role"
        case .disabled: "isDisabled"
        }
    }
}

extension ListSort where Key == UserSortKey {
    public static var newestUsers: Self { .init(.createdAt, descending: true) }
    var orderBy: String { "\(key.column) \(direction), id \(direction)" }
}
