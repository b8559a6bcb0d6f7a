import Foundation
import GRDB
import Synchronization
import Testing

@testable import Storage

/// ``ReservationWriter``'s batches: one transaction, rules checked once per batch but per row, and a backlog bigger
/// than one turn on the writer connection still answers every caller after its row committed.
@Suite struct ReservationWriterBatchTests {
    private func row(_ id: String, sale: FlashSale, user: String, at now: Date) -> Reservation {
        .hold(id, of: sale, by: user, at: now, salePrice: 1000)
    }

    /// The sale's state and the ledger epoch are read once per batch, yet each row is judged on its own: rows of a
    /// closed sale or of a stale epoch are refused alone, the others are written.
    @Test func oneBatchRefusesOnlyTheRowsOfAClosedSaleOrAStaleEpoch() async throws {
        let fixture = try FlashSaleFixture()
        let open = try await fixture.croissantSale(quantity: 10, limit: 10)
        let now = fixture.clock.now()
        let closed = try await fixture.sales.create(
            FlashSaleDraft(
                name: "Closed",
                startsAt: now,
                endsAt: now + 3600,
                items: [.init(productId: try await fixture.productID("macaron-hop-12"), salePrice: 1000, quantity: 5, perUserLimit: 5)]
            )
        )
        _ = try await fixture.sales.cancel(id: closed.id)
        let user = try await fixture.catalog.customer().user.id
        let epoch = try await fixture.database.read { db in try StockLedgerEpoch.current(db) }
        let rows: [(reservation: Reservation, epoch: Int?)] = [
            (row("a", sale: open, user: user, at: now), nil), (row("b", sale: closed, user: user, at: now), nil),
            (row("c", sale: open, user: user, at: now), epoch), (row("d", sale: open, user: user, at: now), epoch + 1),
            (row("e", sale: closed, user: user, at: now), nil), (row("f", sale: open, user: user, at: now), nil),
        ]
        let outcomes = try await fixture.database.write { db in try ReservationWriter.insert(db, rows).map { $0?.code } }
        #expect(outcomes == [nil, .notActive, nil, .stockUnavailable, .notActive, nil])
        let stored = try await fixture.database.read { db in try String.fetchAll(db, sql: "SELECT id FROM reservation ORDER BY id") }
        #expect(stored == ["a", "c", "f"])
    }

    /// More rows than one turn writes (`maxBatch` × `maxRounds`): the writer hands the connection back and goes on, and
    /// every caller is answered once its row is in SQLite.
    @Test func aBacklogBiggerThanOneTurnIsWrittenInSeveralBatchesAndEveryCallerAnswered() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 10)
        let user = try await fixture.catalog.customer().user.id
        let now = fixture.clock.now()
        let writer = ReservationWriter(database: fixture.database, maxBatch: 3, maxRounds: 2)
        let answered = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await writer.insert(row("r\(index)", sale: sale, user: user, at: now))
                    return "r\(index)"
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        let stored = try await fixture.database.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM reservation")) }
        #expect(answered.count == 40 && stored == answered)
        #expect(writer.commitCount >= 14)
    }

    /// A batch that fails for another reason than a constraint (here every insert meets an I/O error) answers every
    /// caller with the error after one attempt: no row-by-row retry that would hold the writer once per row.
    @Test func aBatchFailingForAnotherReasonThanAConstraintFailsEveryCallerAfterOneAttempt() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 10)
        let user = try await fixture.catalog.customer().user.id
        let now = fixture.clock.now()
        let attempts = AttemptCount()
        let failingDisk = DatabaseFunction("failing_disk", argumentCount: 0, pure: false) { _ -> DatabaseValueConvertible? in
            attempts.count.withLock { $0 += 1 }
            throw DatabaseError(resultCode: .SQLITE_IOERR, message: "disk I/O error")
        }
        try await fixture.database.write { db in
            db.add(function: failingDisk)
            try db.execute(sql: "CREATE TEMP TRIGGER failing_disk BEFORE INSERT ON reservation BEGIN SELECT failing_disk(); END")
        }
        let writer = ReservationWriter(database: fixture.database, maxBatch: 8, maxRounds: 1)
        let failed = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    do {
                        try await writer.insert(row("r\(index)", sale: sale, user: user, at: now))
                        return false
                    } catch {
                        return true
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failed == 8)
        // One attempt per batch: at most 8 however the callers fell into batches; a row-by-row retry makes it 9 or more.
        #expect(attempts.count.withLock { $0 } <= 8)
        #expect(try await fixture.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM reservation") } == 0)
    }
}

/// How many times the failing SQL function ran.
private final class AttemptCount: Sendable {
    let count = Mutex(0)
}
