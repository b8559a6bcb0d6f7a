import Foundation
import GRDB
import Testing

@testable import Storage

/// SQLite as a production database: concurrent writers from two "processes" (two independent pools on
/// one file, like `klelite backup` or `create-admin` next to the server) never lose a write and never
/// see SQLITE_BUSY, because write transactions start with BEGIN IMMEDIATE and wait on the busy timeout.
@Suite struct SQLiteContentionTests {
    @Test func readThenWriteTransactionsRacingAcrossPoolsLoseNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contention-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try AppDatabase.open(directory: directory)
        let tool = try AppDatabase.open(directory: directory)
        defer {
            try? server.close()
            try? tool.close()
        }
        try await server.writer.write { db in
            try db.execute(sql: "INSERT INTO appMeta (key, value) VALUES ('counter', '0')")
        }
        let rounds = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for database in [server, tool, server, tool] {
                group.addTask {
                    for _ in 0..<rounds {
                        try await database.writer.write { db in
                            // Read, then write: with a deferred transaction the upgrade to a write lock
                            // would fail with SQLITE_BUSY at once instead of waiting.
                            let value = try Int(String.fetchOne(db, sql: "SELECT value FROM appMeta WHERE key = 'counter'") ?? "0") ?? 0
                            try db.execute(sql: "UPDATE appMeta SET value = ? WHERE key = 'counter'", arguments: [String(value + 1)])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await tool.writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM appMeta WHERE key = 'counter'") }
        #expect(final == String(4 * rounds))
    }

    @Test func walIsCappedAfterCheckpoints() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(directory: directory)
        defer { try? database.close() }
        let limit = try database.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") }
        #expect(limit == 64 * 1024 * 1024)
        let payload = String(repeating: "x", count: 4096)
        for batch in 0..<20 {
            try database.writer.write { db in
                for index in 0..<100 {
                    try db.execute(sql: "INSERT OR REPLACE INTO appMeta (key, value) VALUES (?, ?)", arguments: ["k\(batch)-\(index)", payload])
                }
            }
        }
        // The background checkpoint those commits asked for holds SQLite's checkpoint lock while it runs (a second
        // checkpoint would get SQLITE_BUSY at once): let it finish first.
        database.checkpointer?.runner.sync {}
        try database.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let walSize = (try? FileManager.default.attributesOfItem(atPath: directory + "/klelite.sqlite-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0)
    }
}
