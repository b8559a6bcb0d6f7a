import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Runs the WAL checkpoints of a database file on a connection of its own, so that no commit waits for one.
///
/// SQLite's automatic checkpoint runs inside the `COMMIT` that takes the WAL past 1,000 pages, on the committing
/// connection — the pool's one writer: that commit, and every write queued behind it, waited for the copy into the
/// database file and its two `fdatasync`s (15-25 ms on this disk, every few hundred ms under load: the p99 of an
/// enqueue's commit). The writer's WAL hook (which replaces the automatic checkpoint) now only asks this connection
/// to run a `PASSIVE` checkpoint, which never blocks the writer or readers. Same threshold, same durability: a
/// checkpoint copies committed pages; it does not make anything durable that was not.
final class WALCheckpointer: Sendable {
    /// WAL pages after which a checkpoint is asked for (SQLite's automatic default).
    static let threshold: Int32 = 1000

    private let connection: DatabaseQueue
    private let logger: Logger
    /// Where checkpoints run, one at a time (tests suspend it).
    let runner = DispatchQueue(label: "klelite.checkpoint")
    /// A checkpoint is asked for or running.
    private let busy = Atomic<Bool>(false)
    /// How many checkpoints ran (for tests).
    private let runs = Atomic<Int>(0)
    /// The WAL frames the last checkpoint had copied into the database file.
    private let copied = Atomic<Int32>(0)

    init(path: String, configuration: Configuration, logger: Logger = Logger(label: "klelite.checkpoint")) throws {
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.logger = logger
    }

    var checkpointCount: Int { runs.load(ordering: .acquiring) }

    /// Installs the hook on the writer connection: from now on its commits never checkpoint. The hook keeps this
    /// checkpointer alive (one retain, given back by ``uninstall(from:)``): a writer that outlives its `AppDatabase`
    /// never calls into a freed one.
    func install(on writer: any DatabaseWriter) throws {
        let context = Unmanaged.passRetained(self).toOpaque()
        do {
            try writer.writeWithoutTransaction { db in
                _ = sqlite3_wal_hook(
                    db.sqliteConnection,
                    { context, _, _, pages in
                        guard let context, pages >= WALCheckpointer.threshold else { return SQLITE_OK }
                        Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().walGrew(to: pages)
                        return SQLITE_OK
                    },
                    context
                )
            }
        } catch {
            Unmanaged<WALCheckpointer>.fromOpaque(context).release()
            throw error
        }
    }

    /// Removes the hook from the writer connection (its later commits neither checkpoint nor call here; closing the
    /// last connection checkpoints anyway) and gives back the hook's retain.
    func uninstall(from writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(db.sqliteConnection, nil, nil)
        }
        Unmanaged.passUnretained(self).release()
    }

    /// Called on the writer's thread in each commit that leaves `pages` frames in the WAL: asks for a checkpoint once
    /// 1,000 frames were added since the last one copied. (The writer starts the WAL over only when a checkpoint copied
    /// all of it before the writer's next transaction; while commits keep coming the WAL keeps growing, and asking at
    /// every commit past 1,000 frames would checkpoint, with its two `fdatasync`s, after nearly every commit.)
    func walGrew(to pages: Int32) {
        let copied = self.copied.load(ordering: .acquiring)
        // Fewer frames than the last checkpoint copied: the WAL was started over since.
        let added = pages < copied ? pages : pages - copied
        guard added >= Self.threshold else { return }
        request()
    }

    /// Asks for a checkpoint unless one is already asked for or running.
    func request() {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        runner.async {
            // PASSIVE: copies what no reader still needs, never waits for a lock. A failure (I/O) leaves the WAL
            // to the next request, as an automatic checkpoint's failure would.
            // The answer's third column: the WAL frames copied so far (-1 when not in WAL mode).
            do {
                let frames = try self.connection.writeWithoutTransaction { db -> Int32? in
                    guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") else { return nil }
                    return row[2]
                }
                if let frames, frames >= 0 { self.copied.store(frames, ordering: .releasing) }
            } catch {
                self.logger.warning("WAL checkpoint failed; the next commit past the threshold asks again", metadata: ["error": "\(error)"])
            }
            self.runs.add(1, ordering: .releasing)
            self.busy.store(false, ordering: .releasing)
        }
    }

    /// Waits for a running checkpoint and closes the connection (after the writer was closed).
    func close() throws {
        try runner.sync { try connection.close() }
    }
}
