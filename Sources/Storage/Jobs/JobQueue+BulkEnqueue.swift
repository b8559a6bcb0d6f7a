import Foundation
import GRDB

extension JobQueue {
    /// Most rows per multi-row `INSERT` of a bulk enqueue (6 parameters a row, far below SQLite's limit of 32,766). A run
    /// is cut into powers of two, so at most nine statements of each form are prepared per connection.
    static let bulkInsertRows = 256

    /// The multi-row `INSERT`s for 1, 2, 4 … ``bulkInsertRows`` jobs without an idempotency key, by row count. Parameter 1 is
    /// the call's moment (`createdAt`, `updatedAt`, and `runAt` unless the job has its own), bound once per statement.
    private static let bulkInsertSQL: [Int: String] = Dictionary(
        uniqueKeysWithValues: sequence(first: 1, next: { $0 < bulkInsertRows ? $0 * 2 : nil }).map { rows in
            let values = (0..<rows).map { row in
                let first = 2 + row * 6
                return "(?\(first), ?\(first + 1), ?\(first + 2), ?\(first + 3), 'queued', 0, ?\(first + 4), coalesce(?\(first + 5), ?1), ?1, ?1)"
            }
            return (rows, "INSERT INTO job (queue, kind, payload, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt) VALUES "
                + values.joined(separator: ", "))
        })

    /// Adds several jobs inside the caller's write transaction; answers their ids in the order of `requests`.
    /// Runs of jobs without an idempotency key are inserted up to ``bulkInsertRows`` at a time by one statement (one
    /// execution, one `sqlite_sequence` update); a job with a key goes through ``enqueue(_:_:stamp:)`` in its turn,
    /// so a key repeated within the same call still answers the first job's id. One wake-up per queue.
    func enqueue(_ db: Database, _ requests: [JobRequest], stamp: DatabaseValue) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(requests.count)
        // With a trigger on `job`, other rows may be written between a statement's own, so their ids are read back.
        let readsIDsBack = try Bool.fetchOne(db.cachedStatement(sql: Self.jobTriggersSQL)) ?? true
        var start = requests.startIndex
        while start < requests.endIndex {
            guard requests[start].idempotencyKey == nil else {
                ids.append(try enqueue(db, requests[start], stamp: stamp))
                start += 1
                continue
            }
            var end = start + 1
            while end < requests.endIndex, end - start < Self.bulkInsertRows, requests[end].idempotencyKey == nil { end += 1 }
            // The largest power of two not above the run's length.
            let rows = 1 << (Int.bitWidth - 1 - (end - start).leadingZeroBitCount)
            ids += try insertUnkeyed(db, requests[start..<(start + rows)], stamp: stamp, readingIDsBack: readsIDsBack)
            start += rows
        }
        var woken: Set<String> = []
        for request in requests where woken.insert(request.queue).inserted { wakeAfterCommit(db, queue: request.queue) }
        return ids
    }

    private static let jobTriggersSQL = """
        SELECT EXISTS (
            SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'job' COLLATE NOCASE
            UNION ALL SELECT 1 FROM sqlite_temp_master WHERE type = 'trigger' AND tbl_name = 'job' COLLATE NOCASE
        )
        """

    /// One multi-row `INSERT` of jobs without an idempotency key (a power of two of them); their ids in row order.
    private func insertUnkeyed(
        _ db: Database, _ requests: ArraySlice<JobRequest>, stamp: DatabaseValue, readingIDsBack: Bool
    ) throws -> [Int64] {
        guard let sql = Self.bulkInsertSQL[requests.count] else {
            throw AppError(.internalError, "A bulk enqueue has no statement for \(requests.count) rows.")
        }
        var values: [(any DatabaseValueConvertible)?] = [stamp]
        values.reserveCapacity(1 + requests.count * 6)
        for request in requests {
            values.append(request.queue)
            values.append(request.kind)
            values.append(request.payload)
            values.append(request.priority)
            values.append(max(1, request.maxAttempts))
            values.append(request.runAt.map(DatabaseTimestamp.value))
        }
        // `StatementArguments` from existentials: from `[DatabaseValue]` GRDB maps each value through a key path, which was
        // 12 % of a bulk enqueue.
        let arguments = StatementArguments(values)
        if readingIDsBack {
            // SQLite does not promise the order of `RETURNING` rows; AUTOINCREMENT gives each row an id above every id before
            // it, in `VALUES` order: sorted, the ids are in request order.
            let ids = try Int64.fetchAll(db.cachedStatement(sql: sql + " RETURNING id"), arguments: arguments)
            guard ids.count == requests.count else {
                throw AppError(.internalError, "A bulk enqueue inserted \(ids.count) of \(requests.count) jobs.")
            }
            return ids.sorted()
        }
        // No trigger on `job`, and the writer's lock held: AUTOINCREMENT hands the statement's rows consecutive ids (each the
        // largest id ever used plus one), in `VALUES` order, the last one being `lastInsertedRowID`. `RETURNING` would cost
        // SQLite a trigger program and a temporary table per row.
        let changesBefore = db.totalChangesCount
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
        let count = Int64(requests.count)
        let last = db.lastInsertedRowID
        guard db.changesCount == requests.count, db.totalChangesCount - changesBefore == requests.count, last >= count else {
            throw AppError(.internalError, "A bulk enqueue could not tell the ids of its \(requests.count) jobs.")
        }
        return Array((last - count + 1)...last)
    }
}
