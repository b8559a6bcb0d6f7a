import Foundation
import GRDB
import Synchronization

/// Writes reservation rows with group commit: while one transaction is being written, new rows queue up
/// and all of them go into the next transaction together. Each caller is answered only after the
/// transaction holding its row committed, so SQLite's single writer serves a burst of buyers in a few
/// commits instead of one commit each. A row refused by a rule (its sale closed, its ledger epoch stale) fails only
/// its own caller; a batch that fails in SQLite is retried row by row, so one bad row fails only its own caller.
///
/// The writer drains the queue on SQLite's writer connection itself: after a commit it answers that batch's callers
/// and takes the rows that queued meanwhile, without handing the connection back and waiting to be scheduled again
/// (under load that round trip, not SQLite, set the pace). After `maxRounds` batches it lets other writers in line
/// (checkout, expiry) take their turn before going on.
final class ReservationWriter: Sendable {
    private struct Pending {
        let reservation: Reservation
        /// The ledger epoch the units were taken under (nil: a ledger that is never reloaded under a running sale).
        let epoch: Int?
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var flushing = false
        var commits = 0
    }

    private let database: AppDatabase
    private let state = Mutex(State())
    /// Rows per transaction at most: a bigger backlog is written in several, so no caller waits for a huge one.
    let maxBatch: Int
    /// Batches written in one turn on the writer connection before other writers get theirs.
    let maxRounds: Int

    init(database: AppDatabase, maxBatch: Int = 512, maxRounds: Int = 16) {
        self.database = database
        self.maxBatch = maxBatch
        self.maxRounds = maxRounds
    }

    /// Transactions committed so far (for tests of the batching).
    var commitCount: Int { state.withLock { $0.commits } }

    /// Returns once the row is committed, or throws why it could not be: 503 `stock_unavailable` when the ledger was
    /// reloaded from SQLite since the units were taken under `epoch` (``StockLedgerEpoch``).
    func insert(_ reservation: Reservation, epoch: Int? = nil) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startFlushing = state.withLock { state -> Bool in
                state.pending.append(Pending(reservation: reservation, epoch: epoch, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlushing { Task { await self.flush() } }
        }
    }

    /// One turn on the writer connection. If the connection cannot be had at all, every queued caller gets the error.
    private func flush() async {
        do {
            let more = try await database.writeWithoutTransaction { db in self.drain(db) }
            if more { Task { await self.flush() } }
        } catch {
            let failed = state.withLock { state -> [Pending] in
                defer {
                    state.pending.removeAll()
                    state.flushing = false
                }
                return state.pending
            }
            for pending in failed { pending.continuation.resume(throwing: error) }
        }
    }

    /// Writes batches until the queue is empty (returns false, and the next row starts a new flush) or `maxRounds`
    /// batches were written (returns true: the caller goes on after the other writers).
    private func drain(_ db: Database) -> Bool {
        for _ in 0..<maxRounds {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return false }
            write(batch, db)
        }
        return true
    }

    /// Commits one batch in one transaction and answers its callers; rows refused by a rule fail alone, and a batch
    /// that broke a constraint is retried row by row so only the row that broke it fails. Any other failure (the write
    /// lock not had within the busy timeout, a full disk) fails the whole batch at once: retrying each row would hold
    /// the writer connection for one timeout per row while checkouts and expiries wait.
    private func write(_ batch: [Pending], _ db: Database) {
        var outcomes: [AppError?] = []
        do {
            try db.inTransaction(.immediate) {
                outcomes = try Self.insert(db, batch.map { ($0.reservation, $0.epoch) })
                return .commit
            }
            state.withLock { $0.commits += 1 }
            for (pending, refusal) in zip(batch, outcomes) {
                if let refusal { pending.continuation.resume(throwing: refusal) } else { pending.continuation.resume() }
            }
            return
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // Below: row by row.
        } catch {
            let failure = AppDatabase.mapped(error)
            for pending in batch { pending.continuation.resume(throwing: failure) }
            return
        }
        for pending in batch {
            do {
                var refusal: AppError?
                try db.inTransaction(.immediate) {
                    refusal = try Self.insert(db, [(pending.reservation, pending.epoch)]).first ?? nil
                    return .commit
                }
                state.withLock { $0.commits += 1 }
                if let refusal { pending.continuation.resume(throwing: refusal) } else { pending.continuation.resume() }
            } catch {
                pending.continuation.resume(throwing: AppDatabase.mapped(error))
            }
        }
    }

    /// Inserts the rows of one batch; per row nil (written) or why it was refused: its units were taken on a ledger
    /// that has been reloaded from SQLite since (the epoch is read once: the transaction holds the write lock), or its
    /// sale is no longer open.
    static func insert(_ db: Database, _ rows: [(reservation: Reservation, epoch: Int?)]) throws -> [AppError?] {
        var epoch: Int?
        var openSales: [String: Bool] = [:]
        return try rows.map { row -> AppError? in
            if let taken = row.epoch {
                let current = try epoch ?? StockLedgerEpoch.current(db)
                epoch = current
                guard current == taken else {
                    return AppError(.stockUnavailable, "Flash-sale stock was being reloaded. Try again in a moment.", retryAfter: 1)
                }
            }
            return try ReservationStore.insertIfSaleOpen(db, row.reservation, openSales: &openSales)
        }
    }
}
