/// The catalogue's change counter (`catalogVersion` in SQLite) as this process last read it, so a cached public
/// catalogue answer is served without a database round trip.
///
/// It is forgotten — and read again from SQLite on the next request — after every commit of this process that
/// touched products, categories or reviews, when another process's commit is noticed (`data_version`, or in cluster
/// mode the commit's announcement, ``CommittedChangeRelay``), and when ``bump()`` is called.
public final class CatalogVersion: Sendable {
    /// The tables whose changes move the counter (its triggers).
    static let tables: Set<String> = ["product", "category", "review", "catalogVersion"]
    private let memo = CommitScopedCache<Int, Int>(maxCount: 1)

    init(database: AppDatabase) {
        memo.forget(onCommittedChangeOf: Self.tables, in: database)
    }

    /// Forgets the counter: the next read asks SQLite.
    public func bump() {
        memo.forget()
    }

    /// The counter as last read, while no change happened since; nil when it must be read again (``current(read:)``).
    var known: Int? { memo.kept(0) }

    /// The counter, from memory when no change happened since it was last read.
    func current(read: () async throws -> Int) async throws -> Int {
        try await memo.value(for: 0, load: read) ?? 0
    }
}
