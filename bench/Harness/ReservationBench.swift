import Foundation
import GRDB
import Storage

/// Row 4: durable reservations per second with a large stock, measured twice in one run on the same file:
/// the shop's own `FlashSaleService.reserve` (ledger step, then the row written with group commit) and a
/// baseline that writes the same row in one transaction per reservation, in alternating rounds. Both run
/// `concurrency` callers.
/// The baseline skips the ledger and the sale lookup, so the ratio it gives is, if anything, too low.
struct ReservationBench {
    let directory: String
    let seconds: Double
    let concurrency = 64
    let maxReservations = 900_000
    let buyers = 2_000
    /// Each side's `seconds` is split into this many rounds, the two sides alternating.
    let rounds = 6

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

        let grouped: @Sendable (Int) async throws -> Void = { index in
            _ = try await service.reserve(by: identities[index % identities.count], saleID: sale.id, productID: productID, quantity: 1)
        }
        let single: @Sendable (Int) async throws -> Void = { index in
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
        // Side by side: the two alternate in short rounds (group commit first, then the baseline first, ...), so a change
        // of the shared box's speed reaches both; the ratio is the median of the rounds' ratios.
        var groupedRounds: [Run] = []
        var singleRounds: [Run] = []
        for round in 0..<rounds {
            if round.isMultiple(of: 2) {
                groupedRounds.append(try await measure(grouped))
                singleRounds.append(try await measure(single))
            } else {
                singleRounds.append(try await measure(single))
                groupedRounds.append(try await measure(grouped))
            }
        }
        let groupedTotal = Run(rounds: groupedRounds)
        let singleTotal = Run(rounds: singleRounds)
        Figure(
            name: "reservations_group_commit_per_s",
            value: groupedTotal.rate,
            unit: "reservations/s",
            detail: "FlashSaleService.reserve, \(concurrency) concurrent callers, \(groupedTotal.count) committed in \(String(format: "%.2f", groupedTotal.elapsed)) s"
        ).emit()
        Figure(
            name: "reservations_one_tx_per_s",
            value: singleTotal.rate,
            unit: "reservations/s",
            detail: "same row, one transaction each, \(concurrency) concurrent callers, \(singleTotal.count) committed in \(String(format: "%.2f", singleTotal.elapsed)) s"
        ).emit()
        let ratios = zip(groupedRounds, singleRounds).map { $0.rate / $1.rate }
        Figure(
            name: "reservations_ratio_median",
            value: percentile(ratios, 0.5),
            unit: "×",
            detail: "\(rounds) rounds of \(String(format: "%.2f", seconds / Double(rounds))) s each way, alternating which goes first; the rounds' ratios: "
                + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ")
        ).emit()
        try pool.close()
        try database.close()
    }

    /// One round: `concurrency` callers for `seconds / rounds`, or until `maxReservations / rounds` succeeded.
    private func measure(_ reserve: @escaping @Sendable (Int) async throws -> Void) async throws -> Run {
        let (count, elapsed) = try await concurrentLoop(
            callers: concurrency, limit: maxReservations / rounds, seconds: seconds / Double(rounds), body: reserve)
        return Run(count: count, elapsed: elapsed)
    }

    /// Reservations committed over some time.
    struct Run {
        var count: Int
        var elapsed: Double
        var rate: Double { Double(count) / elapsed }

        init(count: Int, elapsed: Double) {
            self.count = count
            self.elapsed = elapsed
        }

        /// The rounds together.
        init(rounds: [Run]) {
            self.init(count: rounds.reduce(0) { $0 + $1.count }, elapsed: rounds.reduce(0) { $0 + $1.elapsed })
        }
    }
}

/// A benchmark that cannot run as set up.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
