import Foundation
import GRDB
import Synchronization

/// The gateway to the shop's one SQLite database.
///
/// It owns the GRDB writer (a WAL `DatabasePool` in production, an in-memory `DatabaseQueue` in tests),
/// runs the migrations, and exposes intent-named operations that each run in one transaction.
/// GRDB types stay inside Storage: other modules see plain values and ``AppError``.
public final class AppDatabase: Sendable {
    /// The database connection; only Storage's own store types use it.
    let writer: any DatabaseWriter
    /// Where the database lives, or nil when it is in memory.
    public let path: String?
    /// Called when another process committed (see ``onCommittedChange(of:ignoringInserts:_:)``), each under the key
    /// that names its registration (``CommittedChangeRelay/key(tables:ignoringInserts:updatesOf:)``).
    let externalChangeListeners = Mutex<[(key: String, onChange: @Sendable () -> Void)]>([])
    /// Cluster mode: how this instance hears the others' commits and tells them of its own (nil: one process).
    let relay = Mutex<CommittedChangeRelay?>(nil)
    /// Whether this process is the file's only writer (no relay: cluster mode's instances all write it): what the
    /// writer remembers between its transactions (the day's last order code) can then be trusted without asking.
    var isOnlyWriter: Bool { relay.withLock { $0 == nil } }

    /// Runs the file's WAL checkpoints off the writer's commits (nil in memory).
    let checkpointer: WALCheckpointer?
    /// Work queued for the end of the writer's transactions, told of the ends GRDB does not report.
    let transactionEndWork = TransactionEndWorkRegistry()

    /// Wraps an opened writer and brings its schema up to date.
    init(_ writer: any DatabaseWriter, path: String?, checkpointer: WALCheckpointer? = nil) throws {
        self.writer = writer
        self.path = path
        self.checkpointer = checkpointer
        try AppMigrations.migrator.migrate(writer)
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
    }

    // `temp_store=MEMORY` on the writer's connection, once the migrations are done: a grouped checkout's savepoint
    // sub-journal (see ``SavepointGroupCommit``) spilled past 64 KiB to an `etilqs_*` file, created and deleted for
    // about every group; on this box's ext4 each create then skipped over the inodes deleted in the last seconds
    // (`find_inode_bit` → `recently_deleted`), and so did the outbox's message files — file creation was 13 % of a
    // checkout run's CPU, WAL and temporary bytes written per order 209 KB → 75 KB without the spills (bench/PROFILES.md,
    // seventh round). The writer's statement journals, sorts and `RETURNING` buffers are then held in memory: they
    // grow with the rows one write statement changes. The readers (whose sorts a deep admin page can make large) and
    // the migrations (whose index builds sort every row) keep SQLite's default, spilling to files.

    /// Opens (creating if needed) the database file `klelite.sqlite` inside `directory`, migrated.
    public static func open(directory: String) throws -> AppDatabase {
        try open(directory: directory, restartFrames: 4096, tailFrames: 512)
    }

    /// ``open(directory:)`` with the WAL's restart sizes of its ``WALCheckpointer`` (tests make them small).
    static func open(directory: String, restartFrames: Int32, tailFrames: Int32) throws -> AppDatabase {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("klelite.sqlite")
        let pool = try DatabasePool(path: path, configuration: makeConfiguration())
        let checkpointer = try WALCheckpointer(
            path: path,
            configuration: makeConfiguration(),
            restartFrames: restartFrames,
            tailFrames: tailFrames
        )
        checkpointer.install(on: pool)
        return try AppDatabase(pool, path: path, checkpointer: checkpointer)
    }

    /// An empty, migrated, in-memory database for tests and tools.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: makeConfiguration()), path: nil)
    }

    /// The connection settings every writer gets: foreign keys on, a busy timeout so that a second
    /// process (the CLI next to a running server) waits instead of failing, `synchronous=NORMAL`
    /// (durable in WAL mode across a process crash) and a cap on the WAL left after checkpoints.
    static func makeConfiguration() -> Configuration {
        var config = Configuration()
        config.label = "klelite"
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 * 1024 * 1024)")
        }
        return config
    }

    /// Closes every connection; later calls fail. Called once on shutdown.
    public func close() throws {
        // The checkpointer's connection closes even when the writer's close fails.
        defer { try? checkpointer?.close() }
        try checkpointer?.uninstall(from: writer)
        if let pool = writer as? DatabasePool {
            try pool.close()
        } else if let queue = writer as? DatabaseQueue {
            try queue.close()
        }
    }
}

// MARK: - Access from async code

extension AppDatabase {
    /// Reads in a snapshot, suspending (never blocking a thread) while a connection is busy.
    ///
    /// Services use this and ``write(_:)`` rather than the GRDB writer directly: GRDB also has blocking
    /// overloads, and Swift silently picks one when a closure returns a non-`Sendable` value (a `Row`),
    /// which stalls the cooperative thread pool under load. These take only `Sendable` results.
    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.read(value)
    }

    /// Writes in one `BEGIN IMMEDIATE` transaction, suspending while another writer holds the lock.
    ///
    /// A `CHECK` constraint that refuses a value is the caller's bad input that a rule above missed: it
    /// becomes a 400 `validation_failed` (naming the constraint), never a 500.
    ///
    /// GRDB's own `write`, plus one step: when the transaction failed, what it queued for its end is dropped, for SQLite
    /// may have ended it by itself (a full disk, an I/O error, a trigger's `RAISE(ROLLBACK)`) without GRDB telling any
    /// transaction observer, which would then act at this connection's next commit.
    ///
    /// With `timing`, the writer's thread reports what the transaction cost it, `BEGIN` to `COMMIT` (``WriterTime``).
    func write<T: Sendable>(
        timing: (@Sendable (WriterTime) -> Void)? = nil,
        _ updates: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await writer.writeWithoutTransaction { db in
                let stopwatch = timing.map { _ in WriterTime.Stopwatch() }
                defer { if let timing, let stopwatch { timing(stopwatch.elapsed()) } }
                var result: T?
                do {
                    try db.inTransaction {
                        result = try updates(db)
                        return .commit
                    }
                } catch {
                    self.transactionEndWork.discard(db)
                    throw error
                }
                guard let result else { throw AppError(.internalError, "The write returned no value.") }
                return result
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    /// The writer connection outside any transaction, for a caller that commits several transactions in one turn
    /// (``ReservationWriter``'s group commit); it maps their errors with ``mapped(_:)`` itself. Its transactions get no
    /// ``TransactionEndWorkRegistry/discard(_:)`` when they fail: they must queue no ``TransactionEndWork``.
    func writeWithoutTransaction<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction(updates)
    }

    /// What a write's error says to the caller: a refused `CHECK` constraint becomes a 400 `validation_failed`.
    static func mapped(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError, error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK else { return error }
        // The constraint's text is schema detail: it is not shown to the caller.
        return AppError.validation("A value is empty, too long or out of range.")
    }
}

// MARK: - Operations

extension AppDatabase {
    /// What `/readyz` reports.
    public enum Readiness: Sendable, Equatable {
        case ready
        case migrationsPending
        case unreachable(String)
    }

    /// Checks that the database answers and every known migration has been applied.
    public func readiness() async -> Readiness {
        do {
            let complete = try await writer.read { db in try AppMigrations.migrator.hasCompletedMigrations(db) }
            return complete ? .ready : .migrationsPending
        } catch {
            return .unreachable(String(describing: error))
        }
    }

    /// The identifiers of the migrations applied so far, oldest first.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try AppMigrations.migrator.completedMigrations(db) }
    }

    /// The applied migrations, for async callers (`/readyz`).
    public func appliedMigrationCount() async throws -> Int {
        try await read { db in try AppMigrations.migrator.completedMigrations(db).count }
    }

    /// Result of ``backup(to:)``.
    public struct BackupReport: Sendable {
        public let path: String
        public let bytes: Int
        public let integrity: String
    }

    /// Copies the live database into a single self-contained file through SQLite's online backup API,
    /// checks the copy with `PRAGMA integrity_check`, then moves it into place.
    /// Safe while the server is writing: the copy is one consistent snapshot.
    public func backup(to destination: String) throws -> BackupReport {
        let target = URL(fileURLWithPath: destination)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        let partial = target.path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let integrity: String
        do {
            let copy = try DatabaseQueue(path: partial)
            try writer.backup(to: copy)
            integrity = try copy.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            }
            try copy.close()
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        guard integrity == "ok" else {
            try? FileManager.default.removeItem(atPath: partial)
            throw AppError(.internalError, "The backup failed its integrity check: \(integrity)")
        }
        _ = try? FileManager.default.removeItem(atPath: target.path)
        try FileManager.default.moveItem(atPath: partial, toPath: target.path)
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        return BackupReport(path: target.path, bytes: size, integrity: integrity)
    }
}
