import Dispatch
import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// Checkouts that arrive while the writer is busy share one commit, each in a savepoint of its own: a shopper
/// whose cart no longer fits the stock gets their 409 and leaves nothing behind, the others' orders stand, and
/// the stock is taken exactly once per order.
@Suite struct CheckoutGroupCommitTests {
    @Test func checkoutsThatQueueTogetherShareOneCommitAndAShortageFailsOnlyItsShopper() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 20)
        try await fixture.setStock("banh-mi-hoa-cuc", 10)
        let product = try await fixture.product("croissant-bo-phap")
        let scarce = try await fixture.product("banh-mi-hoa-cuc")
        var shoppers: [Identity] = []
        for n in 0..<12 {
            let shopper = try await fixture.catalog.customer("group-\(n)@example.vn")
            _ = try await fixture.carts.add(.user(shopper.user.id), productID: product.id, quantity: 1)
            if n == 5 { _ = try await fixture.carts.add(.user(shopper.user.id), productID: scarce.id, quantity: 5) }
            shoppers.append(shopper)
        }
        // Shopper 5's second line no longer fits: their whole order fails, the croissant they would have taken stays.
        try await fixture.setStock("banh-mi-hoa-cuc", 2)
        let commits = CommitCounter()
        try await fixture.database.writer.write { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        // Hold the writer so that every checkout queues for the same group.
        let gate = WriterGate()
        let holding = Task { try await fixture.database.writer.write { _ in gate.hold() } }
        try await eventually("the writer is held") { gate.entered }
        let before = commits.count
        let everyone = shoppers
        let placing = Task {
            await withTaskGroup(of: (Int, Result<Order, any Error>).self) { group in
                for (n, shopper) in everyone.enumerated() {
                    group.addTask {
                        let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
                        do { return (n, .success(try await fixture.orders.place(by: shopper, request, idempotencyKey: nil))) } catch {
                            return (n, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<Order, any Error>]()) { $0[$1.0] = $1.1 }
            }
        }
        // Whoever arrived before the first group was taken waits for the writer with it; the others queue behind it.
        try await eventually("all 12 checkouts wait for a commit") { fixture.orders.checkouts.pendingCount == 12 }
        gate.open()
        try await holding.value
        let outcomes = await placing.value
        let failed = outcomes.filter { if case .failure = $0.value { true } else { false } }.map(\.key)
        #expect(failed == [5])
        if case .failure(let error as AppError) = outcomes[5] {
            #expect(error.code == .conflict)
        } else {
            Issue.record("shopper 5 did not get a 409")
        }
        #expect(commits.count - before <= 3, "the held write, the first checkout's group, the 11 others' group")
        #expect(try await fixture.stock("croissant-bo-phap") == 9)
        #expect(try await fixture.stock("banh-mi-hoa-cuc") == 2)
        let refused = shoppers[5].user.id
        let stored = try await fixture.database.read { db in
            (
                try Int.fetchOne(db, sql: #"SELECT COUNT(*) FROM "order""#) ?? -1,
                try Int.fetchOne(db, sql: #"SELECT COUNT(DISTINCT code) FROM "order""#) ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE userId = ?", arguments: [refused]) ?? -1,
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM job JOIN "order" ON "order".id = json_extract(job.payload, '$.orderId')
                        WHERE job.kind = ?
                        """,
                    arguments: [OrderEmailJob.kind]
                ) ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE kind = ?", arguments: [OrderEmailJob.kind]) ?? -1
            )
        }
        #expect(stored.0 == 11 && stored.1 == 11, "11 orders, each with its own code")
        #expect(stored.2 == 0, "the refused checkout left no notification")
        #expect(stored.3 == 11 && stored.4 == 11, "one email job per stored order, none for the refused checkout")
        #expect(try await fixture.carts.cart(.user(shoppers[5].user.id)).lines.map(\.quantity).sorted() == [1, 5])
    }
}
