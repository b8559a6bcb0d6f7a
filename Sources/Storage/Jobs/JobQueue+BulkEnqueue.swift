import Foundation
import GRDB

extension JobQueue {
    /// Most rows per multi-row `INSERT` of a bulk enqueue (far below SQLite's limit of 32,766 parameters). A run is cut into
    /// powers of two, so at most nine statements of each form are prepared per connection.
    static let bulkInsertRows = 256

    /// The multi-row `INSERT`s for 1, 2, 4 … ``bulkInsertRows`` jobs without an idempotency key, by form and row count.
    /// Parameter 1 is the call's moment (`createdAt`, `updatedAt`, and `runAt` unless the job has its own). The `varied` form
    /// binds six values a row; the `shared` form binds the queue, kind, priority, attempts and due time once (?2-?6) and
    /// only each row's payload, for runs whose jobs differ in nothing else (a broadcast's, or the bench's).
    private static let bulkInsertSQL: [BulkForm: [Int: String]] = [
        .varied: bulkInsertSQL { row in
            let first = 2 + row * 6
            return (queue: first, kind: first + 1, payload: first + 2, priority: first + 3, maxAttempts: first + 4, runAt: first + 5)
        },
        .shared: bulkInsertSQL { row in (queue: 2, kind: 3, payload: 7 + row, priority: 4, maxAttempts: 5, runAt: 6) },
    ]

    private enum BulkForm { case varied, shared }

    private typealias Parameters = (queue: Int, kind: Int, payload: Int, priority: Int, maxAttempts: Int, runAt: Int)

    private static func bulkInsertSQL(parameters: (Int) -> Parameters) -> [Int: String] {
        Dictionary(
            uniqueKeysWithValues: sequence(first: 1, next: { $0 < bulkInsertRows ? $0 * 2 : nil }).map { rows in
                let values = (0..<rows).map { row in
                    let p = parameters(row)
                    return "(?\(p.queue), ?\(p.kind), ?\(p.payload), ?\(p.priority), 'queued', 0, ?\(p.maxAttempts), "
                        + "coalesce(?\(p.runAt), ?1), ?1, ?1)"
                }
                return (
                    rows,
                    "INSERT INTO job (queue, kind, payload, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt) VALUES "
                        + values.joined(separator: ", ")
                )
            }
        )
    }

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
            // Jobs alike but for their payload share a statement; the others go in the varied form, up to the next two alike.
            func alike(_ index: Int, _ other: Int) -> Bool { index < end && Self.differOnlyInPayload(requests[index], requests[other]) }
            let form: BulkForm = alike(start + 1, start) ? .shared : .varied
            var length = 1
            while start + length < end, form == .shared ? alike(start + length, start) : !alike(start + length + 1, start + length) {
                length += 1
            }
            // The largest power of two not above the run's length.
            let rows = 1 << (Int.bitWidth - 1 - length.leadingZeroBitCount)
            ids += try insertUnkeyed(db, requests[start..<(start + rows)], form: form, stamp: stamp, readingIDsBack: readsIDsBack)
            start += rows
        }
        var woken: Set<String> = []
        var previous: String?
        // Runs of one queue are the rule: only a change of queue is hashed.
        for request in requests where request.queue != previous {
            previous = request.queue
            if woken.insert(request.queue).inserted { wakeAfterCommit(db, queue: request.queue) }
        }
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
        _ db: Database,
        _ requests: ArraySlice<JobRequest>,
        form: BulkForm,
        stamp: DatabaseValue,
        readingIDsBack: Bool
    ) throws -> [Int64] {
        guard let sql = Self.bulkInsertSQL[form]?[requests.count], let first = requests.first else {
            throw AppError(.internalError, "A bulk enqueue has no statement for \(requests.count) rows.")
        }
        var values: [(any DatabaseValueConvertible)?] = [stamp]
        switch form {
        case .varied:
            values.reserveCapacity(1 + requests.count * 6)
            for request in requests {
                values.append(request.queue)
                values.append(request.kind)
                values.append(request.payload)
                values.append(request.priority)
                values.append(max(1, request.maxAttempts))
                values.append(request.runAt.map(JobTime.value))
            }
        case .shared:
            values.reserveCapacity(6 + requests.count)
            values.append(first.queue)
            values.append(first.kind)
            values.append(first.priority)
            values.append(max(1, first.maxAttempts))
            values.append(first.runAt.map(JobTime.value))
            for request in requests { values.append(request.payload) }
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

    /// Whether a bulk enqueue may store two keyless jobs with the same queue, kind, priority, attempts and due time.
    static func differOnlyInPayload(_ one: JobRequest, _ other: JobRequest) -> Bool {
        one.idempotencyKey == nil && other.idempotencyKey == nil && one.queue == other.queue && one.kind == other.kind
            && one.priority == other.priority && max(1, one.maxAttempts) == max(1, other.maxAttempts) && one.runAt == other.runAt
    }
}
