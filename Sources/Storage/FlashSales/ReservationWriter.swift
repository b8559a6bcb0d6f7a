import Foundation
import GRDB
import Synchronization

/// Writes reservation rows with group commit: while one transaction is being written, new rows queue up
/// and all of them go into the next transaction together. Each caller is answered only after the
/// transaction holding its row committed, so SQLite's single writer serves a burst of buyers in a few
/// commits instead of one commit each. A batch that fails is retried row by row, so one bad row fails
/// only its own caller.
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

    init(database: AppDatabase) {
        self.database = database
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

    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = state.pending
                state.pending.removeAll()
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let rows = batch.map { ($0.reservation, $0.epoch) }
            do {
                try await database.write { db in for (row, epoch) in rows { try Self.insert(db, row, epoch: epoch) } }
                state.withLock { $0.commits += 1 }
                for pending in batch { pending.continuation.resume() }
            } catch {
                for pending in batch {
                    let (row, epoch) = (pending.reservation, pending.epoch)
                    do {
                        try await database.write { db in try Self.insert(db, row, epoch: epoch) }
                        state.withLock { $0.commits += 1 }
                        pending.continuation.resume()
                    } catch {
                        pending.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// Inserts one row, unless its units were taken on a ledger that has been reloaded from SQLite since.
    private static func insert(_ db: Database, _ reservation: Reservation, epoch: Int?) throws {
        if let epoch, try StockLedgerEpoch.current(db) != epoch {
            throw AppError(.stockUnavailable, "Flash-sale stock was being reloaded. Try again in a moment.", retryAfter: 1)
        }
        try ReservationStore.insertIfSaleOpen(db, reservation)
    }
}
