import GRDB

/// The job queue's tables (migration `v4_jobs`).
enum JobSchema {
    static func v4Jobs(_ db: Database) throws {
        try db.create(table: "job") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("queue", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("payload", .text).notNull()
            t.column("idempotencyKey", .text)
            t.column("priority", .integer).notNull().defaults(to: 0)
            t.column("status", .text).notNull()
                .check { ["queued", "running", "completed", "dead"].contains($0) }
            t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("maxAttempts", .integer).notNull().check { $0 >= 1 }
            t.column("runAt", .datetime).notNull()
            t.column("leaseToken", .text)
            t.column("leaseExpiresAt", .datetime)
            t.column("lastError", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.column("completedAt", .datetime)
            t.uniqueKey(["kind", "idempotencyKey"])
        }
        // The claim query: the next due job of a queue, by priority then time.
        try db.create(index: "job_claimable", on: "job", columns: ["queue", "status", "priority", "runAt"])
        try db.create(index: "job_on_status_completedAt", on: "job", columns: ["status", "completedAt"])
        // Emails already handed to the mail transport, by Message-ID: a retried job does not send twice.
        try db.create(table: "sentEmail") { t in
            t.primaryKey("messageId", .text)
            t.column("sentAt", .datetime).notNull()
        }
    }

    /// The claim reads a queue's due jobs in `priority DESC, runAt, id` order. `job_claimable` sorts priority
    /// ascending, so SQLite walked every job of the queue (completed ones too) and sorted them for each claim:
    /// a claim cost grew with the table. This index answers the claim in its own order and stops at the limit.
    static func v12JobsClaimIndex(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX IF EXISTS job_claimable")
        try db.execute(sql: "CREATE INDEX job_claim ON job(queue, status, priority DESC, runAt)")
    }

    /// Every enqueue wrote four B-trees besides the table: the unique `(kind, idempotencyKey)` index (one entry per
    /// job, keyless ones too), `job_claim`, and `job_on_status_completedAt` (an entry per job whatever its status).
    /// Now the key index holds only jobs with a key, and the status index is two partial ones, for the statuses that
    /// are looked up by it (pruning completed jobs, the admin's dead jobs): a queued job is written to the table and
    /// `job_claim` only. A `UNIQUE` table constraint cannot become partial, so the table is rebuilt (same columns,
    /// same ids, and the `AUTOINCREMENT` counter carried over so that no id is ever handed out twice).
    static func v16JobsPartialIndexes(_ db: Database) throws {
        try db.create(table: "job_rebuilt") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("queue", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("payload", .text).notNull()
            t.column("idempotencyKey", .text)
            t.column("priority", .integer).notNull().defaults(to: 0)
            t.column("status", .text).notNull()
                .check { ["queued", "running", "completed", "dead"].contains($0) }
            t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("maxAttempts", .integer).notNull().check { $0 >= 1 }
            t.column("runAt", .datetime).notNull()
            t.column("leaseToken", .text)
            t.column("leaseExpiresAt", .datetime)
            t.column("lastError", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.column("completedAt", .datetime)
        }
        let columns =
            "id, queue, kind, payload, idempotencyKey, priority, status, attempts, maxAttempts, runAt, leaseToken, "
            + "leaseExpiresAt, lastError, createdAt, updatedAt, completedAt"
        try db.execute(
            sql: """
                INSERT INTO job_rebuilt (\(columns)) SELECT \(columns) FROM job;
                DELETE FROM sqlite_sequence WHERE name = 'job_rebuilt';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'job_rebuilt', seq FROM sqlite_sequence WHERE name = 'job';
                DROP TABLE job;
                ALTER TABLE job_rebuilt RENAME TO job;
                CREATE INDEX job_claim ON job(queue, status, priority DESC, runAt);
                CREATE UNIQUE INDEX job_idempotency ON job(kind, idempotencyKey) WHERE idempotencyKey IS NOT NULL;
                CREATE INDEX job_completed ON job(completedAt) WHERE status = 'completed';
                CREATE INDEX job_dead ON job(updatedAt) WHERE status = 'dead';
                """
        )
    }

    /// The dates as integers (``JobTime``: milliseconds since 1970) instead of GRDB's 23-byte text: three dates are written
    /// with every job and `runAt` is in the claim's key, so a job took ≈ 70 of its ≈ 210 bytes of B-tree pages in date text.
    /// The table is rebuilt (a column's type cannot change in place) with every row, id and the `AUTOINCREMENT` counter, each
    /// date converted; a `CHECK` on every date column refuses anything but an integer, so a writer binding a `Date` (text)
    /// fails instead of leaving a job that sorts after every number and is never claimed. A stored text SQLite cannot read
    /// as a date stays text and fails the check: the migration stops rather than lose the job's date.
    static func v19JobsIntegerDates(_ db: Database) throws {
        try db.create(table: "job_rebuilt") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("queue", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("payload", .text).notNull()
            t.column("idempotencyKey", .text)
            t.column("priority", .integer).notNull().defaults(to: 0)
            t.column("status", .text).notNull()
                .check { ["queued", "running", "completed", "dead"].contains($0) }
            t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("maxAttempts", .integer).notNull().check { $0 >= 1 }
            t.column("runAt", .integer).notNull().check(sql: "typeof(runAt) = 'integer'")
            t.column("leaseToken", .text)
            t.column("leaseExpiresAt", .integer).check(sql: "typeof(leaseExpiresAt) IN ('integer', 'null')")
            t.column("lastError", .text)
            t.column("createdAt", .integer).notNull().check(sql: "typeof(createdAt) = 'integer'")
            t.column("updatedAt", .integer).notNull().check(sql: "typeof(updatedAt) = 'integer'")
            t.column("completedAt", .integer).check(sql: "typeof(completedAt) IN ('integer', 'null')")
        }
        // GRDB's text, to the millisecond (julianday reads it exactly enough: one step of a double is ≈ 40 µs at today's
        // day numbers); NULL stays NULL.
        func millis(_ column: String) -> String {
            "coalesce(CAST(round((julianday(\(column)) - 2440587.5) * 86400000.0) AS INTEGER), \(column))"
        }
        let kept = "id, queue, kind, payload, idempotencyKey, priority, status, attempts, maxAttempts"
        let dates = ["runAt", "leaseExpiresAt", "createdAt", "updatedAt", "completedAt"]
        let lease = "leaseToken, lastError"
        try db.execute(
            sql: """
                INSERT INTO job_rebuilt (\(kept), \(lease), \(dates.joined(separator: ", ")))
                SELECT \(kept), \(lease), \(dates.map(millis).joined(separator: ", ")) FROM job;
                DELETE FROM sqlite_sequence WHERE name = 'job_rebuilt';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'job_rebuilt', seq FROM sqlite_sequence WHERE name = 'job';
                DROP TABLE job;
                ALTER TABLE job_rebuilt RENAME TO job;
                CREATE INDEX job_claim ON job(queue, status, priority DESC, runAt);
                CREATE UNIQUE INDEX job_idempotency ON job(kind, idempotencyKey) WHERE idempotencyKey IS NOT NULL;
                CREATE INDEX job_completed ON job(completedAt) WHERE status = 'completed';
                CREATE INDEX job_dead ON job(updatedAt) WHERE status = 'dead';
                """
        )
    }
}
