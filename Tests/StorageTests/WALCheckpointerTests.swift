import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// Checkpoints run on the checkpointer's connection; the writer copies only the tail of a WAL that keeps growing, after
/// its commit, so that the WAL is started over.
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
        for round in 0..<3 {
            try await insertJobs(database, count: 800, tag: "\(round)")
        }
        #expect(try fileSize() == before)
        #expect(checkpointer.checkpointCount == 0)
        checkpointer.runner.resume()
        try await eventually("a checkpoint ran") { checkpointer.checkpointCount >= 1 }
        #expect(try fileSize() > before + 3 * 800 * 3000)
        try database.close()
    }

    /// With the checkpointer held (it never catches up, as under a stream of commits that outruns it), the WAL used to
    /// grow with every commit: now the writer copies it once it holds twice ``WALCheckpointer/restartFrames`` and the
    /// next commit starts it over, so the file stays within that size and one commit; every row is still there.
    @Test func aWALTheCheckpointerDoesNotCatchUpIsStartedOverByTheWriter() async throws {
        let directory = NSTemporaryDirectory() + "klelite-checkpoint-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(directory: directory, restartFrames: 100, tailFrames: 20)
        let checkpointer = try #require(database.checkpointer)
        checkpointer.runner.suspend()
        // The migrations' own peak, and the header's sequence number, which SQLite counts up at each restart.
        let baseline = try walFrames(directory)
        let header = WALHeader(path: (directory as NSString).appendingPathComponent("klelite.sqlite-wal"))
        defer { header.close() }
        let restartsBefore = checkpointer.restartCount
        var (largest, sequence, sequenceChanges) = (0, header.checkpointSequence(), 0)
        for round in 0..<60 {
            try await insertJobs(database, count: 20, tag: "\(round)")
            largest = max(largest, try walFrames(directory))
            let now = header.checkpointSequence()
            if now != sequence { sequenceChanges += 1 }
            sequence = now
        }
        #expect(checkpointer.checkpointCount == 0)
        #expect(checkpointer.writerCopyCount >= 1)
        #expect(sequenceChanges >= 1)
        #expect(checkpointer.restartCount - restartsBefore == sequenceChanges)
        // 60 commits of 20+ frames (1,200+ in all) against 200 and one commit's frames.
        #expect(largest <= max(baseline, 2 * 100 + 40), "the WAL grew to \(largest) frames")
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE queue = 'q'") } == 60 * 20)
        checkpointer.runner.resume()  // closing waits for the runner
        try database.close()
    }

    /// A reader still reading frames of the WAL (a long export) keeps it from being started over: the writer's copies
    /// then come further and further apart instead of after every few commits, and once the reader is done the next
    /// copy starts the WAL over.
    @Test func aLongReaderDefersTheRestartAndTheWriterBacksOff() async throws {
        let directory = NSTemporaryDirectory() + "klelite-checkpoint-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try AppDatabase.open(directory: directory, restartFrames: 100, tailFrames: 20)
        let checkpointer = try #require(database.checkpointer)
        checkpointer.runner.suspend()
        // Commits until one makes no copy, so that the WAL holds frames no checkpoint copied for the reader to hold
        // (the migrations alone may take the WAL past 100 frames, with copies and a restart).
        var (copiesBefore, rounds) = (checkpointer.writerCopyCount, 0)
        repeat {
            copiesBefore = checkpointer.writerCopyCount
            try await insertJobs(database, count: 20, tag: "before-\(rounds)")
            rounds += 1
        } while checkpointer.writerCopyCount != copiesBefore && rounds < 10
        try #require(checkpointer.writerCopyCount == copiesBefore)
        let restartsBefore = checkpointer.restartCount
        // A read transaction on a connection of its own, left open on the WAL as it is now.
        var leftOpen = Configuration()
        leftOpen.allowsUnsafeTransactions = true
        let reader = try DatabaseQueue(path: (directory as NSString).appendingPathComponent("klelite.sqlite"), configuration: leftOpen)
        try reader.inDatabase { db in
            try db.beginTransaction(.deferred)
            _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job")
        }
        for round in 0..<60 {
            try await insertJobs(database, count: 20, tag: "\(round)")
        }
        #expect(checkpointer.restartCount == restartsBefore)
        // Past 200 frames, one copy after 20, 40, 80, ... up to 800 frames: 8 at most in the 1,500 or so frames these
        // commits add, against about 65 if the writer tried again every 20.
        let copies = checkpointer.writerCopyCount - copiesBefore
        #expect((2...8).contains(copies), "\(copies) copies")
        try reader.inDatabase { db in try db.rollback() }
        try reader.close()
        // The checkpointer held, no progress resets the spacing (at most 800 frames now): 40 commits pass the next try.
        for round in 0..<40 {
            try await insertJobs(database, count: 20, tag: "after-\(round)")
        }
        #expect(checkpointer.restartCount > restartsBefore)
        checkpointer.runner.resume()  // closing waits for the runner
        try database.close()
    }

    private func insertJobs(_ database: AppDatabase, count: Int, tag: String) async throws {
        let blob = String(repeating: "x", count: 3000)
        try await database.write { db in
            for n in 0..<count {
                try db.execute(
                    sql: """
                        INSERT INTO job (queue, kind, payload, status, maxAttempts, runAt, createdAt, updatedAt)
                        VALUES ('q', 'k', ?, 'queued', 1, 1767225600000, 1767225600000, 1767225600000)
                        """,
                    arguments: ["\(tag)-\(n)-\(blob)"]
                )
            }
        }
    }

    /// The frames the WAL file has room for (its 32-byte header, then 24 bytes and a 4 KiB page each).
    private func walFrames(_ directory: String) throws -> Int {
        let wal = (directory as NSString).appendingPathComponent("klelite.sqlite-wal")
        let size = try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int ?? 0
        return max(0, size - 32) / (24 + 4096)
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

/// The writer's rules for copying the tail, commit by commit, without a database (restart at 100 frames, tail 20).
@Suite struct WALRestartPolicyTests {
    private func policy() -> WALRestartPolicy { WALRestartPolicy(restartFrames: 100, tailFrames: 20) }

    @Test func theWriterCopiesOnlyPastTheRestartSizeAndNearTheCheckpointer() {
        var rules = policy()
        #expect(rules.commit(frames: 90, copied: 85, sequence: 7) == (false, false))  // small WAL: the checkpointer's job
        #expect(rules.commit(frames: 130, copied: 90, sequence: 7) == (false, false))  // 40 behind
        #expect(rules.commit(frames: 140, copied: 125, sequence: 7) == (false, true))  // 15 behind: the writer copies the rest
        var far = policy()
        #expect(far.commit(frames: 190, copied: 0, sequence: 7) == (false, false))
        #expect(far.commit(frames: 200, copied: 0, sequence: 7) == (false, true))  // twice the size: copies whatever is behind
    }

    @Test func copiesThatDoNotStartTheWALOverComeFurtherApart() {
        var rules = policy()
        var copiesAt: [Int32] = []
        // A reader holds the checkpointer at 50 frames: every copy stops there.
        for frames in stride(from: Int32(200), through: 2000, by: 10) where rules.commit(frames: frames, copied: 50, sequence: 7).copiesTail {
            copiesAt.append(frames)
            rules.copiedTail(50)
        }
        #expect(copiesAt == [200, 220, 260, 340, 500, 820, 1460])
        #expect(rules.spacing == 800)  // 8 x 100, and no further
    }

    @Test func aCheckpointerPastTheLastCopyBringsTheCopiesBackToTheTail() {
        var rules = policy()
        for frames in stride(from: Int32(200), through: 600, by: 10) where rules.commit(frames: frames, copied: 50, sequence: 7).copiesTail {
            rules.copiedTail(50)
        }
        #expect(rules.spacing > 100)
        // The reader is gone: the checkpointer copied up to 590 of 600.
        #expect(rules.commit(frames: 610, copied: 590, sequence: 7) == (false, true))
        #expect(rules.spacing == 40)
    }

    /// Copies that backed off (a reader), then the WAL started over: told by the header's sequence number, even when
    /// the first commit after it writes more frames than the WAL held before.
    @Test func aWALStartedOverIsToldByItsSequenceAndForgetsTheCopies() {
        var rules = policy()
        for frames in stride(from: Int32(200), through: 400, by: 10) where rules.commit(frames: frames, copied: 50, sequence: 7).copiesTail {
            rules.copiedTail(50)
        }
        #expect(rules.spacing > 20)
        // A commit of 450 frames into a WAL started over; the stale count of 50 is of the WAL before.
        #expect(rules.commit(frames: 450, copied: 50, sequence: 8) == (true, true))
        rules.copiedTail(440)
        #expect(rules.spacing == 20)
        #expect(rules.commit(frames: 460, copied: 440, sequence: 8) == (false, false))  // 10 frames after that copy
        #expect(rules.commit(frames: 470, copied: 440, sequence: 8) == (false, true))  // 20 after it
    }

    /// With the header unreadable, fewer frames than at the last commit tell the restart.
    @Test func withoutTheHeaderFewerFramesTellTheRestart() {
        var rules = policy()
        #expect(rules.commit(frames: 200, copied: 0, sequence: nil) == (false, true))
        rules.copiedTail(200)
        #expect(rules.commit(frames: 12, copied: 200, sequence: nil) == (true, false))
        #expect(rules.commit(frames: 30, copied: 200, sequence: nil) == (false, false))
        #expect(rules.commit(frames: 200, copied: 0, sequence: nil) == (false, true))
    }
}
