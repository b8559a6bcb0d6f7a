import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Logging
import Metrics
import Synchronization

/// Runs the WAL checkpoints of a database file on a connection of its own, so that a commit waits for one only to
/// start a WAL over that keeps growing (below).
///
/// SQLite's automatic checkpoint runs inside the `COMMIT` that takes the WAL past 1,000 pages, on the committing
/// connection — the pool's one writer: that commit, and every write queued behind it, waited for the copy into the
/// database file and its two `fdatasync`s (15-25 ms on this disk, every few hundred ms under load: the p99 of an
/// enqueue's commit). The writer's WAL hook (which replaces the automatic checkpoint) asks this connection to run a
/// `PASSIVE` checkpoint, which never blocks the writer or readers. Same threshold, same durability: a checkpoint
/// copies committed pages; it does not make anything durable that was not.
///
/// The writer starts the WAL over only when, at the start of its transaction, a checkpoint had copied every frame in
/// it. Under a steady stream of commits that never happens on its own: each commit adds frames while the checkpointer
/// copies the earlier ones, and the WAL grew without end (161 MB in a 3 s checkout run), every frame written to a new
/// block of the file that the kernel had to allocate and zero first (44 % of the commits' samples, bench/PROFILES.md,
/// fourteenth round). So once the WAL holds ``WALRestartPolicy/restartFrames``, the writer finishes the copy itself,
/// in the hook of a commit that finds the checkpointer at most ``WALRestartPolicy/tailFrames`` behind: a `PASSIVE`
/// checkpoint of that tail on the writer's connection, two `fdatasync`s, 3-8 ms under load (the commit is done; the
/// writer's next transaction waits). When it copied every frame, that next transaction starts the WAL over from its
/// first frame, and the file's blocks, already in the page cache, are written again in place. (Once the WAL holds
/// twice ``WALRestartPolicy/restartFrames``, the writer copies whatever the checkpointer has not, however much.)
///
/// The writer tells that the WAL was started over by the header's checkpoint sequence number, which SQLite counts up
/// at each restart and writes with the first frame (``WALHeader``); by the frame count going down if the file cannot
/// be read.
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
    /// What the writer's commits remember of the WAL (only the writer's thread, in its hook, uses it).
    private let writerSide: Mutex<WALRestartPolicy>
    /// The WAL file's header, read at each of the writer's commits.
    private let header: WALHeader
    /// How many times the writer tried to copy the tail (copies that failed too), and how many times the WAL was
    /// started over (for tests).
    private let writerCopies = Atomic<Int>(0)
    private let restarts = Atomic<Int>(0)

    init(
        path: String,
        configuration: Configuration,
        restartFrames: Int32,
        tailFrames: Int32,
        logger: Logger = Logger(label: "klelite.checkpoint")
    ) throws {
        precondition(
            restartFrames > 0 && tailFrames > 0 && restartFrames <= Int32.max / 16,
            "WAL restart sizes out of range"
        )
        connection = try DatabaseQueue(path: path, configuration: configuration)
        writerSide = Mutex(WALRestartPolicy(restartFrames: restartFrames, tailFrames: tailFrames))
        header = WALHeader(path: path + "-wal")
        self.logger = logger
    }

    var checkpointCount: Int { runs.load(ordering: .acquiring) }
    var writerCopyCount: Int { writerCopies.load(ordering: .acquiring) }
    var restartCount: Int { restarts.load(ordering: .acquiring) }

    /// Installs the hook on the writer connection: from now on its commits checkpoint only the tail (see above). The
    /// hook keeps this checkpointer alive (one retain, given back by ``uninstall(from:)``): a writer that outlives its `AppDatabase`
    /// never calls into a freed one.
    func install(on writer: any DatabaseWriter) {
        let context = Unmanaged.passRetained(self).toOpaque()
        writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(
                db.sqliteConnection,
                { context, connection, name, pages in
                    guard let context else { return SQLITE_OK }
                    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
                        .committed(on: connection, database: name, frames: pages)
                    return SQLITE_OK
                },
                context
            )
        }
    }

    /// Removes the hook from the writer connection (its later commits neither checkpoint nor call here; closing the
    /// last connection checkpoints anyway) and gives back the hook's retain.
    func uninstall(from writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(db.sqliteConnection, nil, nil)
        }
        header.close()
        Unmanaged.passUnretained(self).release()
    }

    /// Called on the writer's thread, in each commit of `database` (`main`), with the frames the WAL now holds.
    func committed(on writer: OpaquePointer?, database: UnsafePointer<CChar>?, frames: Int32) {
        let copied = self.copied.load(ordering: .acquiring)
        let sequence = header.checkpointSequence()
        let (decision, uncopied) = writerSide.withLock { rules in
            (rules.commit(frames: frames, copied: copied, sequence: sequence), rules.uncopied)
        }
        if decision.restarted {
            // The checkpointer's count was of the WAL before; its next checkpoint, 1,000 frames on, counts this one.
            self.copied.store(0, ordering: .releasing)
            restarts.add(1, ordering: .relaxed)
            Counter(label: "klelite_wal_restarts_total").increment()
        }
        // A checkpoint once 1,000 frames were added since the last one copied. (Asking at every commit past 1,000
        // frames would checkpoint, with its two `fdatasync`s, after nearly every commit while the WAL grows.)
        if uncopied >= Self.threshold { request() }
        if let writer, decision.copiesTail { copyTail(on: writer, database: database) }
    }

    /// A `PASSIVE` checkpoint on the writer's connection, between its transactions (SQLite's own automatic checkpoint
    /// runs at the same place). It returns at once (`SQLITE_BUSY`) if the checkpointer is running; a failure leaves
    /// the WAL as it was.
    private func copyTail(on writer: OpaquePointer, database: UnsafePointer<CChar>?) {
        var logged: Int32 = 0
        var copiedFrames: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(writer, database, SQLITE_CHECKPOINT_PASSIVE, &logged, &copiedFrames)
        writerCopies.add(1, ordering: .relaxed)
        guard code == SQLITE_OK else {
            if code != SQLITE_BUSY && code != SQLITE_LOCKED {
                logger.warning("The writer's WAL checkpoint failed; it tries again later", metadata: ["code": "\(code)"])
            }
            return
        }
        copied.store(copiedFrames, ordering: .releasing)
        writerSide.withLock { $0.copiedTail(copiedFrames) }
    }

    /// Asks for a checkpoint unless one is already asked for or running.
    func request() {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        runner.async {
            // PASSIVE: copies what no reader still needs, never waits for a lock. A failure (I/O) leaves the WAL
            // to the next request, as an automatic checkpoint's failure would.
            // The answer's third column: the WAL frames copied so far (-1 when not in WAL mode).
            // Stored only if nothing changed the count meanwhile: the writer may have started the WAL over (and set it
            // to 0) right after this checkpoint copied the last frame, and a count of the WAL before would stand.
            let before = self.copied.load(ordering: .acquiring)
            do {
                let frames = try self.connection.writeWithoutTransaction { db -> Int32? in
                    guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") else { return nil }
                    return row[2]
                }
                if let frames, frames >= 0 {
                    _ = self.copied.compareExchange(expected: before, desired: frames, ordering: .acquiringAndReleasing)
                }
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

/// When the writer copies the checkpointer's tail itself so that its next transaction starts the WAL over (see
/// ``WALCheckpointer``): what its commits remember of the WAL, and the decision at each commit. A value, so that
/// the rules are tested without a database.
struct WALRestartPolicy: Sendable {
    /// WAL frames (16 MiB of 4 KiB pages in the server) from which the writer copies the checkpointer's tail.
    let restartFrames: Int32
    /// How far behind the WAL's end the checkpointer may be for the writer to copy the rest.
    let tailFrames: Int32
    /// The WAL's frames at the last commit: fewer at the next means it was started over (when the header's sequence
    /// number is not known).
    private var frames: Int32 = 0
    /// The WAL header's checkpoint sequence number at the last commit: another at the next means it was started over.
    private var sequence: UInt32?
    /// The WAL's frames at the last commit that no checkpoint has copied yet.
    private(set) var uncopied: Int32 = 0
    /// The WAL's frames at the writer's last copy since it was started over (0: none yet).
    private var tried: Int32 = 0
    /// The frames that copy had copied: a checkpointer past it means the reader that held it back is gone.
    private var copiedAtTry: Int32 = 0
    /// Frames between two copies: doubles after each copy that did not start the WAL over (a reader was still
    /// reading frames of it, as a long export does), up to 8 × ``restartFrames``; back to ``tailFrames`` once the WAL
    /// is started over or the checkpointer gets past the last copy.
    private(set) var spacing: Int32

    init(restartFrames: Int32, tailFrames: Int32) {
        self.restartFrames = restartFrames
        self.tailFrames = tailFrames
        spacing = tailFrames
    }

    /// A commit left `frames` frames in the WAL, with `sequence` in its header (nil: unknown), while the last
    /// checkpoint had copied `copied`: whether the WAL was started over since the previous commit, and whether the
    /// writer copies the tail now.
    mutating func commit(frames: Int32, copied: Int32, sequence: UInt32?) -> (restarted: Bool, copiesTail: Bool) {
        let restarted: Bool
        if let sequence, let last = self.sequence {
            restarted = sequence != last
        } else {
            restarted = frames < self.frames
        }
        if restarted { self = WALRestartPolicy(restartFrames: restartFrames, tailFrames: tailFrames) }
        self.frames = frames
        self.sequence = sequence
        // A count past the WAL's end (or any count, right after a restart) is of the WAL before: none of this one.
        let done = restarted || copied > frames ? 0 : copied
        uncopied = frames - done
        if tried > 0, done > copiedAtTry { spacing = tailFrames }
        guard frames >= restartFrames, tried == 0 || frames - tried >= spacing else { return (restarted, false) }
        guard uncopied <= tailFrames || frames / 2 >= restartFrames else { return (restarted, false) }
        if tried > 0 { spacing = min(spacing * 2, restartFrames * 8) }
        tried = frames
        copiedAtTry = done
        return (restarted, true)
    }

    /// The writer's copy succeeded and copied `copied` frames.
    mutating func copiedTail(_ copied: Int32) {
        copiedAtTry = copied
    }
}

/// The WAL file's header as the writer's commits read it: its checkpoint sequence number (bytes 12-15, big-endian),
/// which SQLite counts up each time it starts the WAL over and writes with the new WAL's first frame. One `pread` of
/// four bytes per commit, on a descriptor opened at the first; the file lives as long as the database's connections.
final class WALHeader: Sendable {
    private let path: String
    /// The open descriptor (-1: not yet, or closed).
    private let descriptor = Mutex<Int32>(-1)

    init(path: String) {
        self.path = path
    }

    /// The sequence number, or nil when the file cannot be read (not yet there, or shorter than a header).
    func checkpointSequence() -> UInt32? {
        descriptor.withLock { fd -> UInt32? in
            if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { return nil }
            var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let count = withUnsafeMutableBytes(of: &bytes) { pread(fd, $0.baseAddress, 4, 12) }
            guard count == 4 else { return nil }
            return UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
        }
    }

    func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Foundation.close(fd) }
            fd = -1
        }
    }
}
