import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// Holds released in batches, a write transaction each (a rush's expiry, a cancelled sale's holds), and a cancellation
/// whose release is cut short after it committed.
@Suite struct HoldReleaseTests {
    /// `count` new customers holding `quantity` units each of the sale's first item.
    private func holders(_ fixture: FlashSaleFixture, of sale: FlashSale, count: Int, quantity: Int) async throws -> [Identity] {
        var buyers: [Identity] = []
        for n in 0..<count {
            let buyer = try await fixture.catalog.customer("buyer\(n)@example.vn", name: "Buyer \(n)")
            _ = try await fixture.sales.reserve(by: buyer, saleID: sale.id, productID: sale.items[0].productId, quantity: quantity)
            buyers.append(buyer)
        }
        return buyers
    }

    /// Counts the writer's commits from now on.
    private func countingCommits(_ fixture: FlashSaleFixture) async throws -> CommitCounter {
        let commits = CommitCounter()
        try await fixture.database.writer.write { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        return commits
    }

    private func croissantStock(_ fixture: FlashSaleFixture) async throws -> Int {
        try await fixture.catalog.catalog.product(idOrSlug: "croissant-bo-phap").value.stock
    }

    /// The holds a cart shows the user.
    private func shownInCart(_ fixture: FlashSaleFixture, _ user: Identity) async throws -> [Reservation] {
        try await fixture.database.read { db in try ReservationStore.held(db, userID: user.user.id, now: fixture.clock.now()) }
    }

    /// Holds that expire together go back a batch per transaction, so the writer is never held for all of them at once;
    /// a hold not yet due stays held.
    @Test func expiredHoldsGoBackABatchPerCommit() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 2)
        _ = try await holders(fixture, of: sale, count: 5, quantity: 1)
        fixture.clock.advance(by: 200)
        let late = try await fixture.catalog.customer("late@example.vn", name: "Late")
        let notDue = try await fixture.sales.reserve(by: late, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        fixture.clock.advance(by: 101)
        let commits = try await countingCommits(fixture)
        let before = commits.count
        #expect(try await fixture.sales.expireDue(batch: 2) == 5)
        #expect(commits.count - before == 3)  // 2 + 2 + 1
        let item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.held == 2 && item.remaining == 8)
        #expect(try await fixture.sales.reservations(userID: late.user.id).first { $0.id == notDue.id }?.status == .reserved)
        #expect(try await fixture.sales.expireDue(batch: 2) == 0)
        // A whole number of batches: the last one comes back empty and ends the loop.
        fixture.clock.advance(by: 300)
        #expect(try await fixture.sales.expireDue(batch: 1) == 1)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 10)
    }

    /// A cancellation whose release fails after it committed (here a trigger stands for a failing disk): the owner is
    /// told the sale is cancelled, which it is; its holds show in no cart, and the clock releases them once writes work
    /// again. Another sale's holds are left alone.
    @Test func aCancellationWhoseReleaseFailsIsAnsweredAsDoneAndFinishedByTheClock() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 2)
        let other = try await fixture.croissantSale(quantity: 5, limit: 2)
        let lan = try await fixture.catalog.customer()
        let held = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        let kept = try await fixture.sales.reserve(by: lan, saleID: other.id, productID: other.items[0].productId, quantity: 1)
        let clock = FlashSaleClock(sales: fixture.sales)
        try await clock.tick()  // the start-up tick is behind us
        try await fixture.database.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuseReleases BEFORE UPDATE ON reservation WHEN NEW.status = 'released'
                    BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END
                    """
            )
        }
        let cancelled = try await fixture.sales.cancel(id: sale.id)
        #expect(cancelled.status == .cancelled)
        // Not released yet, and shown as released: the list agrees with the cart, which no longer offers it.
        var mine = try await fixture.sales.reservations(userID: lan.user.id)
        let stored = try await fixture.database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM reservation WHERE id = ?", arguments: [held.id])
        }
        #expect(stored == "reserved")
        #expect(mine.first { $0.id == held.id }.map { [$0.status.rawValue, $0.releasedReason] } == ["released", "sale cancelled"])
        #expect(mine.first { $0.id == kept.id }?.status == .reserved)
        #expect(try await shownInCart(fixture, lan).map(\.id) == [kept.id])
        try await fixture.database.write { db in try db.execute(sql: "DROP TRIGGER refuseReleases") }
        try await clock.tick()
        mine = try await fixture.sales.reservations(userID: lan.user.id)
        let released = mine.first { $0.id == held.id }
        #expect(released?.status == .released && released?.releasedReason == "sale cancelled")
        #expect(mine.first { $0.id == kept.id }?.status == .reserved)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].held == 0)
        #expect(try await fixture.sales.releaseCancelledHoldsIfPending() == 0)
    }

    /// A cancellation whose release never ran (a crash right after its commit): the sale's holds show in no cart, and
    /// the restarted shop's first clock tick releases them as the cancellation would have.
    @Test func aCancellationCutShortByACrashIsFinishedAtStartUp() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 2)
        let stockBefore = try await croissantStock(fixture)
        let buyers = try await holders(fixture, of: sale, count: 4, quantity: 2)
        try await FlashSaleClock(sales: fixture.sales).tick()  // the running shop's start-up tick is behind it
        // The cancellation's own transaction, and nothing after it: the process died there.
        try await fixture.database.write { db in
            try FlashSaleStore.setStatus(db, id: sale.id, .cancelled, now: fixture.clock.now())
            try FlashSaleService.returnUnsoldUnits(db, saleID: sale.id)
        }
        #expect(try await croissantStock(fixture) == stockBefore + 2)
        for buyer in buyers { #expect(try await shownInCart(fixture, buyer).isEmpty) }
        let restarted = FlashSaleService(
            database: fixture.database,
            clock: fixture.clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: fixture.clock),
            settings: fixture.sales.settings
        )
        try await restarted.rebuildLedger()
        try await FlashSaleClock(sales: restarted).tick()
        for buyer in buyers {
            let mine = try await restarted.reservations(userID: buyer.user.id)
            #expect(mine.count == 1 && mine.allSatisfy { $0.status == .released && $0.releasedReason == "sale cancelled" })
        }
        #expect(try await croissantStock(fixture) == stockBefore + 10)
        #expect(try await restarted.sale(idOrSlug: sale.id).items[0].held == 0)
        #expect(try await restarted.releaseCancelledHoldsIfPending() == 0)
    }

    /// Cancelling a sale commits the cancellation, then releases its holds a batch per transaction; every unit ends
    /// back in the product's stock.
    @Test func aCancelledSalesHoldsGoBackABatchPerCommit() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 2)
        let stockBefore = try await croissantStock(fixture)
        let buyers = try await holders(fixture, of: sale, count: 4, quantity: 2)
        let commits = try await countingCommits(fixture)
        let before = commits.count
        let cancelled = try await fixture.sales.cancel(id: sale.id, batch: 3)
        #expect(commits.count - before == 3)  // the cancellation, then 3 + 1 holds
        #expect(cancelled.status == .cancelled && cancelled.items[0].held == 0)
        for buyer in buyers {
            let mine = try await fixture.sales.reservations(userID: buyer.user.id)
            #expect(mine.allSatisfy { $0.status == .released && $0.releasedReason == "sale cancelled" })
        }
        #expect(try await croissantStock(fixture) == stockBefore + 10)
    }
}
