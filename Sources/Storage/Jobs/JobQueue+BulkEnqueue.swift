import Foundation
import GRDB

extension JobQueue {
    /// Rows per multi-row `INSERT` of a bulk enqueue (8 parameters a row, far below SQLite's limit of 32,766).
    static let bulkInsertRows = 64

    /// The multi-row `INSERT` for 1…``bulkInsertRows`` jobs without an idempotency key, by row count (index 0 unused).
    static let bulkInsertSQL: [String] = (0...bulkInsertRows).map { rows in
        let row = "(?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)"
        return "INSERT INTO job (queue, kind, payload, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ") + " RETURNING id"
    }

    /// Adds several jobs inside the caller's write transaction; answers their ids in the order of `requests`.
    /// Runs of jobs without an idempotency key are inserted ``bulkInsertRows`` at a time by one statement (one
    /// execution, one `sqlite_sequence` update); a job with a key goes through ``enqueue(_:_:stamp:)`` in its turn,
    /// so a key repeated within the same call still answers the first job's id. One wake-up per queue.
    func enqueue(_ db: Database, _ requests: [JobRequest], stamp: DatabaseValue) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(requests.count)
        var start = requests.startIndex
        while start < requests.endIndex {
            guard requests[start].idempotencyKey == nil else {
                ids.append(try enqueue(db, requests[start], stamp: stamp))
                start += 1
                continue
            }
            var end = start + 1
            while end < requests.endIndex, end - start < Self.bulkInsertRows, requests[end].idempotencyKey == nil { end += 1 }
            ids += try insertUnkeyed(db, requests[start..<end], stamp: stamp)
            start = end
        }
        var woken: Set<String> = []
        for request in requests where woken.insert(request.queue).inserted { wakeAfterCommit(db, queue: request.queue) }
        return ids
    }

    /// One multi-row `INSERT … RETURNING id` of jobs without an idempotency key; their ids in row order.
    private func insertUnkeyed(_ db: Database, _ requests: ArraySlice<JobRequest>, stamp: DatabaseValue) throws -> [Int64] {
        var values: [DatabaseValue] = []
        values.reserveCapacity(requests.count * 8)
        for request in requests {
            values.append(request.queue.databaseValue)
            values.append(request.kind.databaseValue)
            values.append(request.payload.databaseValue)
            values.append(request.priority.databaseValue)
            values.append(max(1, request.maxAttempts).databaseValue)
            values.append(request.runAt.map(DatabaseTimestamp.value) ?? stamp)
            values.append(stamp)
            values.append(stamp)
        }
        let statement = try db.cachedStatement(sql: Self.bulkInsertSQL[requests.count])
        let ids = try Int64.fetchAll(statement, arguments: StatementArguments(values))
        guard ids.count == requests.count else { throw AppError(.internalError, "A bulk enqueue inserted \(ids.count) of \(requests.count) jobs.") }
        // AUTOINCREMENT gives each row an id above every id before it, rows go in `VALUES` order, and SQLite does not
        // promise the order of `RETURNING` rows: sorted, the ids are in request order.
        return ids.sorted()
    }
}
