import Foundation
import GRDB
import Synchronization

/// The job queue, stored in the shop's own database.
///
/// - Enqueue happens inside the caller's transaction (transactional outbox): the job exists if and only
///   if the change that made it committed, and the queue's workers are woken right after that commit.
/// - A worker claims a job with a lease in one `UPDATE … RETURNING` statement inside a `BEGIN IMMEDIATE`
///   transaction, so two workers never take the same job, and renews the lease while it runs.
/// - An expired lease makes the job claimable again (at-least-once delivery); every state change after a
///   claim is conditional on the claim's lease token, so a stale worker can neither complete nor fail it.
public final class JobQueue: Sendable {
    /// Lease lengths and retry pacing.
    public struct Settings: Sendable {
        public var leaseDuration: TimeInterval = 30
        /// First retry delay; doubles per attempt.
        public var backoffBase: TimeInterval = 5
        public var backoffCap: TimeInterval = 3600
        /// Completed jobs are deleted after this long.
        public var retention: TimeInterval = 7 * 24 * 3600

        public init() {}
    }

    let database: AppDatabase
    let clock: any AppClock
    public let settings: Settings
    /// A factor in 0.75…1.25 that spreads retries of jobs that failed together.
    let jitter: @Sendable () -> Double
    private let signals = Mutex<[String: WakeSignal]>([:])
    /// The (connection, queue) pairs whose open transaction already has a wake-up hook.
    private let armed = Mutex<Set<WakeKey>>([])
    /// Single-job enqueues share commits (no bound on a group: an insert is short). An enqueue can run again after a rollback
    /// (its wake-up hook is armed once per transaction and queue), so a group goes without a savepoint per job unless one fails.
    let groupCommit: SavepointGroupCommit<Int64>

    public init(
        database: AppDatabase,
        clock: any AppClock,
        settings: Settings = Settings(),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.75...1.25) }
    ) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.jitter = jitter
        self.groupCommit = SavepointGroupCommit(database: database, name: "jobs", maximumGroup: .max, bodiesMayRunTwice: true)
    }

    // MARK: - Enqueue

    /// Adds a job inside the caller's write transaction. With an idempotency key that its kind already
    /// used, nothing is added and the existing job's id is returned.
    @discardableResult
    func enqueue(_ db: Database, _ request: JobRequest) throws -> Int64 {
        try enqueue(db, request, stamp: JobTime.value(clock.now()))
    }

    /// The same, with the moment already in its stored form (a bulk enqueue formats it once per transaction).
    func enqueue(_ db: Database, _ request: JobRequest, stamp: DatabaseValue) throws -> Int64 {
        // One prepared statement per connection, not a record encoded per job: bulk enqueues are inserts only. A key
        // already used is told by the insert itself (the idempotency index's conflict), not by a read before every insert:
        // each checkout enqueues a keyed email job in the one writer.
        try db.cachedStatement(
            sql: """
                INSERT INTO job (queue, kind, payload, idempotencyKey, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)
                ON CONFLICT (kind, idempotencyKey) WHERE idempotencyKey IS NOT NULL DO NOTHING
                """
        ).execute(arguments: [
            request.queue, request.kind, request.payload, request.idempotencyKey, request.priority, max(1, request.maxAttempts),
            request.runAt.map(JobTime.value) ?? stamp, stamp, stamp,
        ])
        guard db.changesCount == 1 else {
            // Only a key can conflict: the job enqueued before with it stands, unchanged.
            guard let key = request.idempotencyKey,
                let existing = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM job WHERE kind = ? AND idempotencyKey = ?"),
                    arguments: [request.kind, key]
                )
            else { throw AppError(.internalError, "The job was not stored.") }
            return existing
        }
        let id = db.lastInsertedRowID
        wakeAfterCommit(db, queue: request.queue)
        return id
    }

    /// Wakes the queue's workers once the current transaction commits — one hook per transaction and queue,
    /// however many jobs it enqueues (GRDB keeps every hook as a transaction observer that each later
    /// statement of the transaction visits, so a hook per job made bulk enqueues quadratic). A transaction SQLite ends by
    /// itself (GRDB tells no observer) leaves its key and hook armed until the connection's next reported end: one spare
    /// wake-up then, never a lost one.
    func wakeAfterCommit(_ db: Database, queue: String) {
        let key = WakeKey(connection: ObjectIdentifier(db), queue: queue)
        guard armed.withLock({ $0.insert(key).inserted }) else { return }
        let signal = self.signal(for: queue)
        db.afterNextTransaction(
            onCommit: { _ in
                self.armed.withLock { _ = $0.remove(key) }
                signal.notify()
            },
            onRollback: { _ in self.armed.withLock { _ = $0.remove(key) } }
        )
    }

    /// Adds a job in a transaction of its own: committed when this returns. Concurrent callers share
    /// commits (group commit), each job in a savepoint of its own.
    @discardableResult
    public func enqueue(_ request: JobRequest) async throws -> Int64 {
        try await groupCommit.write { db in try self.enqueue(db, request) }
    }

    /// Adds several jobs in one transaction of their own (all or none); answers their ids in order.
    @discardableResult
    public func enqueue(_ requests: [JobRequest]) async throws -> [Int64] {
        let stamp = JobTime.value(clock.now())
        return try await database.write { db in try self.enqueue(db, requests, stamp: stamp) }
    }

    func signal(for queue: String) -> WakeSignal {
        signals.withLock { signals in
            if let signal = signals[queue] { return signal }
            let signal = WakeSignal()
            signals[queue] = signal
            return signal
        }
    }

    // MARK: - Claim and finish

    /// Claims the next due job of `queue`, or one whose lease expired, and leases it.
    public func claim(queue: String) async throws -> Job? {
        try await claim(queue: queue, limit: 1).first
    }

    /// Claims up to `limit` jobs of `queue` in one transaction, all under one lease token: first those whose
    /// lease expired (claimed before, so overdue), then due queued ones by priority, due time and id. The
    /// answer is in that priority order. Each job's lease, attempts and later outcome stay its own.
    public func claim(queue: String, limit: Int) async throws -> [Job] {
        let now = clock.now()
        let token = UUID().uuidString
        let limit = max(1, limit)
        let stamp = JobTime.value(now)
        let expiry = JobTime.value(now.addingTimeInterval(settings.leaseDuration))
        let jobs = try await database.write { db in
            try Job.fetchAll(
                db.cachedStatement(sql: Self.claimSQL),
                arguments: [token, expiry, stamp, queue, stamp, limit, queue, stamp, limit, limit]
            )
        }
        return jobs.sorted { ($0.priority, $1.runAt, $1.id ?? 0) > ($1.priority, $0.runAt, $0.id ?? 0) }
    }

    /// Leases up to a limit of a queue's jobs: expired leases first, then due queued jobs; both read through the
    /// `job_claim` index in its own order, so a claim never walks the queue's finished jobs.
    static let claimSQL = """
        UPDATE job SET status = 'running', attempts = attempts + 1, leaseToken = ?, leaseExpiresAt = ?, updatedAt = ?
        WHERE id IN (
            SELECT id FROM (
                SELECT id FROM job WHERE queue = ? AND status = 'running' AND leaseExpiresAt <= ?
                ORDER BY priority DESC, runAt, id LIMIT ?
            )
            UNION ALL
            SELECT id FROM (
                SELECT id FROM job WHERE queue = ? AND status = 'queued' AND runAt <= ?
                ORDER BY priority DESC, runAt, id LIMIT ?
            )
            LIMIT ?
        )
        RETURNING *
        """

    /// Extends a running job's lease; false when the claim was lost (its lease expired and another took it).
    public func heartbeat(_ job: Job) async throws -> Bool {
        let now = clock.now()
        return try await conditionalUpdate(
            job,
            sql: "UPDATE job SET leaseExpiresAt = ?, updatedAt = ? WHERE id = ? AND leaseToken = ? AND status = 'running'",
            arguments: [JobTime.value(now.addingTimeInterval(settings.leaseDuration)), JobTime.value(now), job.id, job.leaseToken]
        )
    }

    /// Marks a claimed job done. False (and no change) when the claim is stale: exactly one final state wins.
    /// `scrubPayload` forgets the payload (e.g. a one-time reset link) once it is no longer needed.
    @discardableResult
    public func complete(_ job: Job, scrubPayload: Bool = false) async throws -> Bool {
        let stamp = completionStamp()
        return try await database.write { db in try self.complete(db, job, scrubPayload: scrubPayload, stamp: stamp) }
    }

    /// Records a failure: the job is retried after an exponential, jittered delay, or becomes `dead`
    /// once it used `maxAttempts`. False when the claim is stale.
    @discardableResult
    public func fail(_ job: Job, error: String, permanently: Bool = false) async throws -> Bool {
        let now = clock.now()
        let dead = permanently || job.attempts >= job.maxAttempts
        let retryAt = now.addingTimeInterval(backoff(afterAttempt: job.attempts))
        return try await conditionalUpdate(
            job,
            sql: """
                UPDATE job SET status = ?, runAt = ?, lastError = ?, updatedAt = ?, leaseToken = NULL, leaseExpiresAt = NULL
                WHERE id = ? AND leaseToken = ? AND status = 'running'
                """,
            arguments: [
                dead ? JobStatus.dead.rawValue : JobStatus.queued.rawValue, JobTime.value(dead ? job.runAt : retryAt), String(error.prefix(2000)),
                JobTime.value(now), job.id, job.leaseToken,
            ]
        )
    }

    /// Gives a claimed job back unfinished (shutdown): it runs again at once, and the attempt does not count.
    @discardableResult
    public func release(_ job: Job) async throws -> Bool {
        let now = clock.now()
        let released = try await conditionalUpdate(
            job,
            sql: """
                UPDATE job SET status = 'queued', attempts = MAX(attempts - 1, 0), runAt = ?, updatedAt = ?, leaseToken = NULL, leaseExpiresAt = NULL
                WHERE id = ? AND leaseToken = ? AND status = 'running'
                """,
            arguments: [JobTime.value(now), JobTime.value(now), job.id, job.leaseToken]
        )
        return released
    }

    /// The delay before retry number `attempt + 1`: base × 2^(attempt−1), capped, times a jitter factor.
    public func backoff(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = settings.backoffBase * pow(2, Double(max(0, attempt - 1)))
        return min(exponential, settings.backoffCap) * jitter()
    }

    private func conditionalUpdate(_ job: Job, sql: String, arguments: StatementArguments) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: sql, arguments: arguments)
            return db.changesCount == 1
        }
    }
}
