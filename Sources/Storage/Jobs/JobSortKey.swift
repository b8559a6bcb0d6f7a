/// The columns the admin's job list can be sorted by.
public enum JobSortKey: String, Sendable, CaseIterable {
    case id, queue, kind, status, attempts, updatedAt, runAt

    var column: String { rawValue }
}

extension ListSort where Key == JobSortKey {
    public static var newestJobs: Self { .init(.id, descending: true) }
    var orderBy: String { key == .id ? "id \(direction)" : "\(key.column) \(direction), id \(direction)" }
}
