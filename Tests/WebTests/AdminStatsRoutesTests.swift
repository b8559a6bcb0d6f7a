import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@testable import Storage
@testable import Web

@Suite struct AdminStatsRoutesTests {
    /// A bare order row, for figures that count orders (shared with ``AdminStatsStreamTests``).
    static func insertOrder(_ db: Database, userID: String, status: String, total: Int, at date: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO "order" (id, code, userId, status, paymentMethod, subtotal, discount, shippingFee, total, recipientName,
                    recipientPhone, addressLine, ward, district, city, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, 'cod', ?, 0, 0, ?, 'Lan', '0900000000', '1 Lê Lợi', 'Bến Nghé', 'Quận 1', 'HCM', ?, ?)
                """,
            arguments: [UUID().uuidString, UUID().uuidString, userID, status, total, total, date, date]
        )
    }

    @Test func theDashboardFiguresCountTodayPendingLowStockActiveSalesAndDeadJobs() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        let croissant = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        let sale = try await shop.flashSales.create(
            FlashSaleDraft(
                name: "Giờ vàng",
                startsAt: shop.clock.now(),
                endsAt: shop.clock.now().addingTimeInterval(3600),
                items: [.init(productId: croissant.id, salePrice: 30_000, quantity: 4, perUserLimit: 2)]
            )
        )
        let later = try await shop.flashSales.create(
            FlashSaleDraft(
                name: "Bánh tối",
                startsAt: shop.clock.now().addingTimeInterval(7200),
                endsAt: shop.clock.now().addingTimeInterval(9000),
                items: [.init(productId: croissant.id, salePrice: 25_000, quantity: 3, perUserLimit: 1)]
            )
        )
        let lan = try await shop.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        _ = try await shop.flashSales.reserve(by: Identity(user: lan, sessionID: "s"), saleID: sale.id, productID: croissant.id, quantity: 1)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let midnight = calendar.startOfDay(for: shop.clock.now())
        try await shop.database.write { db in
            try Self.insertOrder(db, userID: lan.id, status: "pending", total: 100_000, at: midnight.addingTimeInterval(60))
            try Self.insertOrder(db, userID: lan.id, status: "delivered", total: 40_000, at: midnight.addingTimeInterval(120))
            try Self.insertOrder(db, userID: lan.id, status: "cancelled", total: 50_000, at: midnight.addingTimeInterval(180))
            try Self.insertOrder(db, userID: lan.id, status: "pending", total: 70_000, at: midnight.addingTimeInterval(-60))
            try Self.insertOrder(db, userID: lan.id, status: "preparing", total: 30_000, at: midnight.addingTimeInterval(-90))
            try Self.insertOrder(db, userID: lan.id, status: "refund_pending", total: 30_000, at: midnight.addingTimeInterval(-120))
            try db.execute(sql: "UPDATE product SET stock = 2 WHERE id = ?", arguments: [croissant.id])
            try db.execute(
                sql: """
                    INSERT INTO job (queue, kind, payload, status, attempts, maxAttempts, runAt, lastError, createdAt, updatedAt)
                    VALUES ('email', 'email.send', '{}', 'dead', 5, 5, ?, 'smtp down', ?, ?)
                    """,
                arguments: [JobTime.value(midnight), JobTime.value(midnight), JobTime.value(midnight)]
            )
        }
        try await shop.app.test(.router) { client in
            let customer = Browser(client)
            try await customer.login("lan@example.vn", "banhmi2024")
            #expect(try await customer.send(.get, "/api/v1/admin/stats").status == .forbidden)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let response = try await admin.send(.get, "/api/v1/admin/stats")
            #expect(response.status == .ok)
            let stats = try JSONCoding.decoder.decode(AdminStats.self, from: Data(buffer: response.body))
            #expect(stats.today.orders == 3 && stats.today.revenue == 140_000)
            #expect(stats.pendingOrders == 2)
            #expect(stats.lowStock.contains { $0.slug == "croissant-bo-phap" && $0.stock == 2 })
            #expect(stats.lowStock.allSatisfy { $0.stock <= stats.lowStockThreshold })
            #expect(stats.lowStock.map(\.stock) == stats.lowStock.map(\.stock).sorted())
            #expect(stats.activeSales.map(\.id) == [sale.id])
            #expect(stats.activeSales.first?.quantity == 4 && stats.activeSales.first?.remaining == 3)
            #expect(stats.deadJobs == 1)
            #expect(stats.recentDeadJobs.map(\.kind) == ["email.send"] && stats.recentDeadJobs.first?.lastError == "smtp down")
            // The job's dates are integer milliseconds: read as GRDB's default `Date` they would be taken for seconds.
            #expect(stats.recentDeadJobs.first?.updatedAt == midnight)
            #expect(stats.nextSales.map(\.id) == [later.id])
            #expect(stats.nextSales.first?.quantity == 3 && stats.nextSales.first?.remaining == 3)
            let waiting = Dictionary(uniqueKeysWithValues: stats.waitingOrders.map { ($0.status, $0.count) })
            #expect(stats.waitingOrders.map(\.status) == [.pending, .confirmed, .preparing, .shipping, .refundPending])
            #expect(waiting == [.pending: 2, .confirmed: 0, .preparing: 1, .shipping: 0, .refundPending: 1])
        }
    }

    @Test func changesTickAfterACommittedOrderSoALiveDashboardReadsTheFiguresAgain() async throws {
        let shop = try ShopFixture()
        let service = AdminStatsService(database: shop.database, clock: shop.clock, flashSales: shop.flashSales)
        let lan = try await shop.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        _ = try await shop.workers.drain(queue: "email")
        let ticks = service.changes()
        let received = Mutex(0)
        let listener = Task { for await _ in ticks { received.withLock { $0 += 1 } } }
        #expect(try await service.stats().pendingOrders == 0)
        try await shop.database.write { db in
            try Self.insertOrder(db, userID: lan.id, status: "pending", total: 90_000, at: shop.clock.now())
        }
        try await eventually("a tick after the commit") { received.withLock { $0 } >= 1 }
        #expect(try await service.stats().pendingOrders == 1)
        listener.cancel()
    }

    @Test func theLiveFiguresAreForAdminsOnly() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.router) { client in
            #expect(try await client.execute(uri: "/api/v1/admin/stats/stream", method: .get).status == .unauthorized)
            let customer = Browser(client)
            try await customer.register()
            #expect(try await customer.send(.get, "/api/v1/admin/stats/stream").status == .forbidden)
        }
    }
}
