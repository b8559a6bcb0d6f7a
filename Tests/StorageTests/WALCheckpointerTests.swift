import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// Checkpoints run on the checkpointer's connection, never inside a commit of the writer.
@Suite struct WALCheckpointerTests {
    /// With the checkpointer held, commits that take the WAL far past the threshold leave the database file as it was
    /// (before, the commit crossing 1,000 pages copied them itself); once let go, it checkpoints and the file grows.
    @Test func aCommitPastTheThresholdLeavesTheCheckpointToTheCheckpointer() async throws {
        let directory = NSTemporaryDirectory() + "klelite-checkpoint-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(directory: directory)
        let checkpointer = try #require(database.checkpointer)
        let file = (directory as NSString).appendingPathComponent("klelite.sqlite")
        func fileSize() throws -> Int { try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0 }
        let before = try fileSize()
        checkpointer.runner.suspend()
        let blob = String(repeating: "x", count: 3000)
        for round in 0..<3 {
            try await database.write { db in
                for n in 0..<800 {
                    try db.execute(
                        sql: """
                            INSERT INTO job (queue, kind, payload, status, maxAttempts, runAt, createdAt, updatedAt)
                            VALUES ('q', 'k', ?, 'queued', 1, 1767225600000, 1767225600000, 1767225600000)
                            """,
                        arguments: ["\(round)-\(n)-\(blob)"]
                    )
                }
            }
        }
        #expect(try fileSize() == before)
        #expect(checkpointer.checkpointCount == 0)
        checkpointer.runner.resume()
        try await eventually("a checkpoint ran") { checkpointer.checkpointCount >= 1 }
        #expect(try fileSize() > before + 3 * 800 * 3000)
        try database.close()
    }

    /// The writer's hook holds the checkpointer while installed and lets it go when the database closes: no commit
    /// of a writer that outlives its `AppDatabase` can reach a freed checkpointer, and closing leaks nothing.
    @Test func theHookHoldsTheCheckpointerUntilTheDatabaseCloses() throws {
        let directory = NSTemporaryDirectory() + "klelite-checkpoint-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        weak var held: WALCheckpointer?
        var writer: (any DatabaseWriter)?
        do {
            let database = try AppDatabase.open(directory: directory)
            held = database.checkpointer
            writer = database.writer
        }
        #expect(held != nil, "the hook no longer holds the checkpointer once its database is let go")
        do {
            let database = try AppDatabase.open(directory: directory + "-closed")
            defer { try? FileManager.default.removeItem(atPath: directory + "-closed") }
            held = database.checkpointer
            try database.close()
        }
        #expect(held == nil, "closing the database did not give back the hook's hold on the checkpointer")
        _ = writer
    }
}
