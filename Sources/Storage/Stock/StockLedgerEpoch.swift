import GRDB

/// The fence between a ledger that was overwritten from SQLite and the steps taken on the ledger before it.
///
/// Every full load of the shared (Redis) ledger from SQLite bumps this number in the same write transaction that
/// reads the reservations it loads, and the load stamps the ledger with it. A reservation taken on the ledger carries
/// the stamp it was taken under, and its row commits only while SQLite still holds that number; so a take the load did
/// not count (its row not yet committed when SQLite was read, or taken on a Redis that has since lost its data) never
/// commits, and its compensating release, carrying the old stamp, is ignored by the new ledger. Kept in `appMeta`.
enum StockLedgerEpoch {
    static let key = "stockLedgerEpoch"

    /// The epoch the ledger must be stamped with for a reservation row to commit (0 before the first load).
    static func current(_ db: Database) throws -> Int {
        let value = try String.fetchOne(db, sql: "SELECT value FROM appMeta WHERE key = ?", arguments: [key])
        return value.flatMap { Int($0) } ?? 0
    }

    /// Moves to the next epoch and returns it: from this commit on, rows taken under an older one are refused.
    static func next(_ db: Database) throws -> Int {
        let next = try current(db) + 1
        try db.execute(
            sql: "INSERT INTO appMeta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            arguments: [key, String(next)]
        )
        return next
    }
}
