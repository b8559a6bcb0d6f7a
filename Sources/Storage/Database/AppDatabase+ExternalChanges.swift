import GRDB

extension AppDatabase {
    /// SQLite's `PRAGMA data_version` read on the writer connection. Every write of this process goes through that
    /// one connection, and the value changes only when *another* connection committed — so a change means another
    /// process (a CLI command beside the live server) wrote to the database. Always 0 for an in-memory database.
    public func externalChangeCounter() async throws -> Int {
        try await writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }
}
