import Foundation
import GRDB
import Testing

@testable import Storage

/// Counts the physical cakes of one product: on the shelf, set aside in open sales, held in closed sales, and
/// in open orders. Nothing but a delivery or an admin's stock edit may change this number.
func cakeBalance(_ database: AppDatabase, productID: String) async throws -> Int {
    try await database.read { db in
        let sql = """
            SELECT
                (SELECT stock FROM product WHERE id = :p)
                + (SELECT COALESCE(SUM(item.quantity), 0) FROM flashSaleItem item JOIN flashSale sale ON sale.id = item.saleId
                    WHERE item.productId = :p AND sale.status IN ('scheduled', 'active'))
                + (SELECT COALESCE(SUM(r.quantity), 0) FROM reservation r JOIN flashSale sale ON sale.id = r.saleId
                    WHERE r.productId = :p AND sale.status IN ('ended', 'cancelled') AND r.status = 'reserved')
                + (SELECT COALESCE(SUM(line.quantity), 0) FROM orderLine line JOIN "order" o ON o.id = line.orderId
                    LEFT JOIN reservation r ON r.id = line.reservationId LEFT JOIN flashSale sale ON sale.id = r.saleId
                    WHERE line.productId = :p AND o.status IN ('pending', 'confirmed', 'preparing', 'shipping')
                        AND (line.reservationId IS NULL OR sale.status IN ('ended', 'cancelled')))
            """
        return try Int.fetchOne(db, sql: sql, arguments: ["p": productID]) ?? -1
    }
}

/// A ledger whose follow-up steps fail, to show that committed work is never reported as failed.
final class FailingFollowUpLedger: StockLedger {
    let inner = InMemoryStockLedger()
    struct Down: Error {}

    func load(_ items: [StockItemState]) async throws { try await inner.load(items) }
    func upsert(_ items: [StockItemState]) async throws { try await inner.upsert(items) }
    func insertMissing(_ items: [StockItemState]) async throws { try await inner.insertMissing(items) }
    func redefine(_ key: SaleItemKey, quantity: Int, perUserLimit: Int) async throws -> Bool {
        try await inner.redefine(key, quantity: quantity, perUserLimit: perUserLimit)
    }
    func reserve(_ key: SaleItemKey, userID: String, quantity: Int) async throws -> StockDecision {
        try await inner.reserve(key, userID: userID, quantity: quantity)
    }
    func release(_ key: SaleItemKey, userID: String, quantity: Int) async throws { throw Down() }
    func confirm(_ key: SaleItemKey, quantity: Int) async throws { throw Down() }
    func returnConfirmed(_ key: SaleItemKey, userID: String, quantity: Int) async throws { throw Down() }
    func retire(_ key: SaleItemKey) async throws -> Bool { try await inner.retire(key) }
    func unretire(_ key: SaleItemKey) async throws { try await inner.unretire(key) }
    func level(_ key: SaleItemKey) async throws -> StockLevel? { try await inner.level(key) }
    func taken(_ key: SaleItemKey, userID: String) async throws -> Int { try await inner.taken(key, userID: userID) }
}

@Suite struct StockBalanceTests {
    @Test func aSaleSetsItsUnitsAsideAndEveryUnitComesBackWhenItCloses() async throws {
        let fixture = try OrderFixture()
        let croissant = try await fixture.product("croissant-bo-phap")
        #expect(croissant.stock == 60)
        let sale = try await fixture.sales.croissantSale(quantity: 10, limit: 2)
        #expect(try await fixture.stock("croissant-bo-phap") == 50)
        let now = fixture.sales.clock.now()
        let tooMany = await #expect(throws: AppError.self) {
            try await fixture.sales.sales.create(
                FlashSaleDraft(
                    name: "x",
                    startsAt: now,
                    endsAt: now + 60,
                    items: [.init(productId: croissant.id, salePrice: 1, quantity: 51, perUserLimit: 1)]
                )
            )
        }
        #expect(tooMany?.code == .conflict && tooMany?.fields["items[0].quantity"] == "only 50 in stock")
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        _ = try await fixture.sales.sales.reserve(by: lan, saleID: sale.id, productID: croissant.id, quantity: 2)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(try await fixture.stock("croissant-bo-phap") == 50)  // the order line consumed units of the sale
        _ = try await fixture.sales.sales.reserve(by: minh, saleID: sale.id, productID: croissant.id, quantity: 1)
        _ = try await fixture.sales.sales.cancel(id: sale.id)
        #expect(try await fixture.stock("croissant-bo-phap") == 58)  // all but the two in Lan's order
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(try await fixture.stock("croissant-bo-phap") == 60)
    }

    @Test func unitsHeldWhenASaleEndsReturnToStockWhenTheirHoldExpires() async throws {
        let fixture = try OrderFixture()
        let sale = try await fixture.sales.croissantSale(quantity: 10, limit: 2)
        let lan = try await fixture.catalog.customer()
        fixture.sales.clock.advance(by: 3600 - 100)
        _ = try await fixture.sales.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        fixture.sales.clock.advance(by: 100)
        try await fixture.sales.sales.applyTransitions()
        #expect(try await fixture.stock("croissant-bo-phap") == 58)
        fixture.sales.clock.advance(by: 300)
        #expect(try await fixture.sales.sales.expireDue() == 1)
        #expect(try await fixture.stock("croissant-bo-phap") == 60)
    }

    /// A reservation whose row is written after its sale was cancelled is refused, and a held reservation of a
    /// cancelled sale is never turned into an order line.
    @Test func aReservationRacingTheSalesCancellationCannotCheckOut() async throws {
        let fixture = try OrderFixture()
        let sale = try await fixture.sales.croissantSale(quantity: 10, limit: 2)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.sales.sales.cancel(id: sale.id)
        let now = fixture.sales.clock.now()
        let late = Reservation.hold("late", of: sale, by: lan.user.id, at: now, salePrice: 30_000)
        let refused = await #expect(throws: AppError.self) { try await fixture.sales.sales.writer.insert(late) }
        #expect(refused?.code == .notActive)
        // Had the row landed anyway, checkout leaves it out.
        try await fixture.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, createdAt, updatedAt)
                    VALUES ('raced', ?, ?, ?, 1, 30000, 'reserved', ?, ?, ?)
                    """,
                arguments: [sale.id, sale.items[0].productId, lan.user.id, now + 300, now, now]
            )
        }
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("macaron-hop-12").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(order.lines.allSatisfy { $0.reservationId == nil })
    }

    @Test func editingASaleWithReservationsRefusesItemChangesAndKeepsEveryReservation() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let early = FlashSaleService(
            database: fixture.database,
            clock: fixture.sales.clock,
            ledger: fixture.sales.ledger,
            rateLimiter: InMemoryRateLimiter(clock: fixture.sales.clock),
            tierOf: { _ in "platinum" }
        )
        let croissant = try await fixture.product("croissant-bo-phap")
        let start = fixture.sales.clock.now() + 600
        func draft(quantity: Int, name: String = "Sớm") -> FlashSaleDraft {
            FlashSaleDraft(
                name: name,
                startsAt: start,
                endsAt: start + 3600,
                earlyAccessTier: "gold",
                earlyAccessMinutes: 30,
                items: [.init(productId: croissant.id, salePrice: 30_000, quantity: quantity, perUserLimit: 2)]
            )
        }
        let sale = try await early.create(draft(quantity: 5))
        let held = try await early.reserve(by: lan, saleID: sale.id, productID: croissant.id, quantity: 2)
        let refused = await #expect(throws: AppError.self) { try await early.update(id: sale.id, draft(quantity: 8)) }
        #expect(refused?.code == .conflict && refused?.fields["items"] != nil)
        let renamed = try await early.update(id: sale.id, draft(quantity: 5, name: "Sớm hơn"))
        #expect(renamed.name == "Sớm hơn" && renamed.items[0].held == 2 && renamed.items[0].remaining == 3)
        #expect(try await early.reservations(userID: lan.user.id).map(\.id) == [held.id])
        #expect(try await fixture.stock("croissant-bo-phap") == 55)
        // The schema itself refuses to drop an item that has reservations (no ON DELETE CASCADE).
        await #expect(throws: DatabaseError.self) {
            try await fixture.database.write { db in try db.execute(sql: "DELETE FROM flashSaleItem WHERE saleId = ?", arguments: [sale.id]) }
        }
    }

    @Test func editingAnUntouchedSaleReplacesItsItemsAndMovesTheSetAsideUnits() async throws {
        let fixture = try OrderFixture()
        let sale = try await fixture.sales.croissantSale(quantity: 10, limit: 2, startsIn: 600)
        #expect(try await fixture.stock("croissant-bo-phap") == 50)
        let start = fixture.sales.clock.now() + 600
        let changed = try await fixture.sales.sales.update(
            id: sale.id,
            FlashSaleDraft(
                name: "Giờ vàng",
                startsAt: start,
                endsAt: start + 3600,
                items: [.init(productId: sale.items[0].productId, salePrice: 30_000, quantity: 20, perUserLimit: 2)]
            )
        )
        #expect(changed.items[0].quantity == 20 && changed.items[0].remaining == 20)
        #expect(try await fixture.stock("croissant-bo-phap") == 40)
        let tooMany = await #expect(throws: AppError.self) {
            try await fixture.sales.sales.update(
                id: sale.id,
                FlashSaleDraft(
                    name: "Giờ vàng",
                    startsAt: start,
                    endsAt: start + 3600,
                    items: [.init(productId: sale.items[0].productId, salePrice: 30_000, quantity: 61, perUserLimit: 2)]
                )
            )
        }
        #expect(tooMany?.code == .conflict)
        #expect(try await fixture.stock("croissant-bo-phap") == 40)
        #expect(try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0].remaining == 20)  // the ledger was given back
    }

    /// The reservation is sold in the order's own transaction, and a ledger that fails afterwards cannot turn
    /// committed work into an error for the caller.
    @Test func committedCheckoutsAndPaymentsAreNeverReportedAsFailures() async throws {
        let catalog = try CatalogFixture()
        let ledger = FailingFollowUpLedger()
        let sales = FlashSaleService(
            database: catalog.database,
            clock: catalog.clock,
            ledger: ledger,
            rateLimiter: InMemoryRateLimiter(clock: catalog.clock)
        )
        let jobs = JobQueue(database: catalog.database, clock: catalog.clock)
        let orders = OrderService(
            database: catalog.database,
            clock: catalog.clock,
            jobs: jobs,
            notifications: NotificationService(database: catalog.database, hub: InProcessNotificationHub(), clock: catalog.clock),
            flashSales: sales,
            paymentMethods: Set(PaymentMethod.allCases)
        )
        let secret = String(repeating: "s", count: 48)
        let payments = PaymentService(database: catalog.database, clock: catalog.clock, orders: orders, webhookSecret: secret)
        let product = try await catalog.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        let now = catalog.clock.now()
        let sale = try await sales.create(
            FlashSaleDraft(
                name: "x",
                startsAt: now,
                endsAt: now + 3600,
                items: [.init(productId: product, salePrice: 1, quantity: 5, perUserLimit: 5)]
            )
        )
        let lan = try await catalog.customer()
        let cod = try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
        _ = try await orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        let card = try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
        let order = try await orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .card), idempotencyKey: nil)
        let body = try JSONEncoder.jobs.encode(PaymentEvent(id: "evt_1", type: .succeeded, orderId: order.id, amount: order.total))
        let header = WebhookSignature(secret: secret).header(for: body, at: catalog.clock.now())
        #expect(try await payments.handleWebhook(body: body, signatureHeader: header) == "applied")
        let statuses = try await sales.reservations(userID: lan.user.id).reduce(into: [String: ReservationStatus]()) { $0[$1.id] = $1.status }
        #expect(statuses == [cod.id: .confirmed, card.id: .confirmed])
    }
}
