import Foundation
import GRDB
import Storage

/// Row 4: durable reservations per second with a large stock, measured twice in one run on the same file:
/// the shop's own `FlashSaleService.reserve` (ledger step, then the row written with group commit) and a
/// baseline that writes the same row in one transaction per reservation. Both run `concurrency` callers.
/// The baseline skips the ledger and the sale lookup, so the ratio it gives is, if anything, too low.
struct ReservationBench {
    let directory: String
    let seconds: Double
    let concurrency = 64
    let maxReservations = 900_000
    let buyers = 2_000

    func run() async throws {
        try? FileManager.default.removeItem(atPath: directory)
        let database = try AppDatabase.open(directory: directory)
        let now = Date()
        _ = try database.seedDemoData(now: now)
        let pool = try openSidePool(directory: directory)
        let userIDs = try insertCustomers(pool, count: buyers, now: now)
        let productID = try await pool.write { db -> String in
            try db.execute(sql: "UPDATE product SET stock = 100000000")
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM product WHERE isActive = 1 ORDER BY id LIMIT 1") else {
                throw BenchError("the demo catalogue has no product")
            }
            return id
        }
        let clock = SystemClock()
        let service = FlashSaleService(
            database: database,
            clock: clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: clock),
            settings: .init(reservationTTL: 3600, reservePerMinute: 1_000_000)
        )
        let sale = try await service.create(
            FlashSaleDraft(
                name: "Bench sale",
                startsAt: now.addingTimeInterval(-1),
                endsAt: now.addingTimeInterval(3600),
                items: [.init(productId: productID, salePrice: 1000, quantity: 1_000_000, perUserLimit: 1_000_000)]
            )
        )
        let identities = userIDs.map { id in
            Identity(
                user: User(id: id, email: "\(id)@bench.local", name: "Bench", phone: nil, role: .customer, isDisabled: false, createdAt: now, updatedAt: now),
                sessionID: "bench"
            )
        }

        let grouped = try await measure { index in
            _ = try await service.reserve(by: identities[index % identities.count], saleID: sale.id, productID: productID, quantity: 1)
        }
        Figure(
            name: "reservations_group_commit_per_s",
            value: grouped.rate,
            unit: "reservations/s",
            detail: "FlashSaleService.reserve, \(concurrency) concurrent callers, \(grouped.count) committed in \(String(format: "%.2f", grouped.elapsed)) s"
        ).emit()

        let single = try await measure { index in
            let at = Date()
            let id = TimeOrderedID.make(at: at)
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, createdAt, updatedAt)
                        SELECT ?, ?, ?, ?, 1, 1000, 'reserved', ?, ?, ?
                        WHERE EXISTS (SELECT 1 FROM flashSale WHERE id = ? AND status IN ('scheduled', 'active'))
                        """,
                    arguments: [id, sale.id, productID, userIDs[index % userIDs.count], at.addingTimeInterval(3600), at, at, sale.id]
                )
            }
        }
        Figure(
            name: "reservations_one_tx_per_s",
            value: single.rate,
            unit: "reservations/s",
            detail: "same row, one transaction each, \(concurrency) concurrent callers, \(single.count) committed in \(String(format: "%.2f", single.elapsed)) s"
        ).emit()
        try pool.close()
        try database.close()
    }

    /// Runs `concurrency` callers until `maxReservations` succeeded or `seconds` passed.
    private func measure(_ reserve: @escaping @Sendable (Int) async throws -> Void) async throws -> (count: Int, elapsed: Double, rate: Double) {
        let (count, elapsed) = try await concurrentLoop(callers: concurrency, limit: maxReservations, seconds: seconds, body: reserve)
        return (count, elapsed, Double(count) / elapsed)
    }
}

/// A benchmark that cannot run as set up.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
