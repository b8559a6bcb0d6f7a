import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// One cluster instance whose Redis ledger runs an injected step between a take and its row's commit.
private struct Instance {
    let sales: FlashSaleService
    let ledger: RedisStockLedger
    let interleaving: InterleavingLedger
    let reconciler: StockReconciler

    init(_ fixture: FlashSaleFixture, _ client: RedisClient) {
        ledger = RedisStockLedger(client: client, namespace: "test:stock")
        interleaving = InterleavingLedger(ledger)
        sales = FlashSaleService(
            database: fixture.database,
            clock: fixture.clock,
            ledger: interleaving,
            rateLimiter: InMemoryRateLimiter(clock: fixture.clock),
            settings: .init(reservationTTL: 300, reservePerMinute: 1000)
        )
        reconciler = StockReconciler(sales: sales, ledger: ledger, clock: fixture.clock)
    }
}

/// One croissant sale of `quantity` units, at most `limit` a shopper, and three shoppers.
private struct Scene {
    let fixture: FlashSaleFixture
    let sale: FlashSale
    let product: String
    let key: SaleItemKey
    let lan: Identity
    let mai: Identity
    let binh: Identity

    init(quantity: Int, limit: Int) async throws {
        fixture = try FlashSaleFixture()
        sale = try await fixture.croissantSale(quantity: quantity, limit: limit)
        product = sale.items[0].productId
        key = SaleItemKey(saleID: sale.id, productID: product)
        lan = try await fixture.catalog.customer()
        mai = try await fixture.catalog.customer("mai@example.vn")
        binh = try await fixture.catalog.customer("binh@example.vn")
    }

    /// Runs `body` against one cluster instance on a fresh Redis, its ledger loaded from SQLite.
    func withInstance(_ body: (Instance, RedisClient, RedisTestServer) async throws -> Void) async throws {
        try await withRedisClient { (client, server) async throws in
            let instance = Instance(fixture, client)
            try await instance.reconciler.ensureLoaded()
            try await body(instance, client, server)
        }
    }

    /// Units of the sale that SQLite says are held or sold.
    func unitsInSQLite() async throws -> Int {
        try await fixture.database.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(quantity), 0) FROM reservation WHERE saleId = ? AND status IN ('reserved', 'ordered', 'confirmed')",
                arguments: [sale.id]
            ) ?? 0
        }
    }
}

/// Reloading Redis from SQLite while a reservation is between its ledger step and its row's commit (Redis restarted,
/// or a reconciliation repair) must never let both the reload and the late row count the same units as free.
@Suite struct RedisLedgerReloadTests {
    @Test func aSaleAbsorbedIntoARedisThatCameBackEmptyTakesNoUnitUntilTheLedgerIsReloaded() async throws {
        let scene = try await Scene(quantity: 2, limit: 1)
        let (sale, product, key, lan, mai, binh) = (scene.sale, scene.product, scene.key, scene.lan, scene.mai, scene.binh)
        try await scene.withInstance { (instance, client, server) async throws in
            _ = try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            server.kill()
            try await server.restart()  // empty
            try await eventually("the client reconnects") { await client.isReachable() }
            // The external-change watcher catches up before the reconciler notices the empty Redis: it must not bring
            // the item back (a unit taken on it would be lost by the coming reload from SQLite); it retries later.
            await #expect(throws: RedisError.unavailable) { try await ExternalSaleSync(sales: instance.sales).absorb() }
            instance.interleaving.afterNextTake { try await instance.reconciler.ensureLoaded() }
            let early = await #expect(throws: (any Error).self) {
                try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(early as? RedisError == .unavailable)
            try await instance.reconciler.ensureLoaded()
            _ = try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 1)
            let late = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: binh, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(late?.code == .soldOut)
            #expect(try await scene.unitsInSQLite() == 2)
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 2, held: 2, confirmed: 0, remaining: 0))
        }
    }

    @Test func aTakeOnARedisThatRestartedAndWasReloadedBeforeItsRowCommittedIsRefused() async throws {
        let scene = try await Scene(quantity: 1, limit: 1)
        let (sale, product, key, lan, mai) = (scene.sale, scene.product, scene.key, scene.lan, scene.mai)
        try await scene.withInstance { (instance, client, server) async throws in
            instance.interleaving.afterNextTake { () async throws in
                server.kill()
                try await server.restart()
                try await eventually("the client reconnects") { await client.isReachable() }
                #expect(try await instance.reconciler.ensureLoaded())  // reads SQLite: lan's row is not there yet
            }
            let refused = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(refused?.code == .stockUnavailable && refused?.retryAfter != nil)
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 1, held: 0, confirmed: 0, remaining: 1))
            _ = try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 1)
            #expect(try await scene.unitsInSQLite() == 1)
        }
    }

    @Test func aRepairNeverFreesAUnitWhoseRowIsStillInFlight() async throws {
        let scene = try await Scene(quantity: 1, limit: 1)
        let (sale, product, lan, mai) = (scene.sale, scene.product, scene.lan, scene.mai)
        try await scene.withInstance { (instance, client, _) async throws in
            instance.interleaving.afterNextTake { () async throws in
                // Two passes see the same drift (Redis holds lan's unit, SQLite has no row yet): the second repairs.
                #expect(try await instance.reconciler.reconcile().drifted == 1)
                #expect(try await instance.reconciler.reconcile().repaired == 1)
            }
            let refused = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(refused?.code == .stockUnavailable)
            _ = try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 1)
            let late = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(late?.code == .soldOut)
            #expect(try await scene.unitsInSQLite() == 1)
            #expect(try await instance.reconciler.reconcile().drifted == 0)
        }
    }

    @Test func aCompensatingReleaseFromBeforeAReloadNeverFreesACommittedUnit() async throws {
        let scene = try await Scene(quantity: 2, limit: 2)
        let (sale, product, key, lan, mai) = (scene.sale, scene.product, scene.key, scene.lan, scene.mai)
        try await scene.withInstance { (instance, client, _) async throws in
            _ = try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            // lan's second unit is taken; before its row commits the ledger is reloaded (it counts lan's first unit).
            instance.interleaving.afterNextTake { try await instance.sales.rebuildLedger() }
            let refused = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            }
            #expect(refused?.code == .stockUnavailable)
            // Its compensating release names lan, who holds a unit in the reloaded ledger: it must not free that one.
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
            #expect(try await instance.ledger.taken(key, userID: lan.user.id) == 1)
            _ = try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 1)
            #expect(try await scene.unitsInSQLite() == 2)
            #expect(try await instance.ledger.level(key)?.remaining == 0)
        }
    }

    @Test func anExpiryCommittedBeforeAReloadIsNotGivenBackAgainWhenItsStepLandsAfterIt() async throws {
        let scene = try await Scene(quantity: 2, limit: 2)
        let (fixture, sale, product, key, lan, mai) = (scene.fixture, scene.sale, scene.product, scene.key, scene.lan, scene.mai)
        try await scene.withInstance { (instance, client, _) async throws in
            _ = try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            fixture.clock.advance(by: 200)
            _ = try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
            fixture.clock.advance(by: 101)  // lan's first hold is due (time to live 300 s), the second is not
            // The expiry commits; before its release reaches Redis the ledger is reloaded from SQLite, which already
            // counts the unit as free. The late release names lan, who still holds a unit: it must not free that one.
            instance.interleaving.beforeNextSettleStep { try await instance.sales.rebuildLedger() }
            #expect(try await instance.sales.expireDue() == 1)
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 2, held: 1, confirmed: 0, remaining: 1))
            #expect(try await instance.ledger.taken(key, userID: lan.user.id) == 1)
            let late = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 2)
            }
            #expect(late?.code == .soldOut)
            #expect(try await scene.unitsInSQLite() == 1)
        }
    }

    @Test func aCancelledPaidOrderCommittedBeforeAReloadDoesNotReturnItsUnitTwice() async throws {
        let scene = try await Scene(quantity: 2, limit: 2)
        let (fixture, sale, product, key, lan, mai) = (scene.fixture, scene.sale, scene.product, scene.key, scene.lan, scene.mai)
        try await scene.withInstance { (instance, _, _) async throws in
            let orders = OrderService(
                database: fixture.database,
                clock: fixture.clock,
                jobs: JobQueue(database: fixture.database, clock: fixture.clock),
                notifications: NotificationService(database: fixture.database, hub: InProcessNotificationHub(), clock: fixture.clock),
                flashSales: instance.sales,
                pricing: Pricing(freeShippingThreshold: 500_000, shippingFee: 30_000),
                paymentMethods: Set(PaymentMethod.allCases)
            )
            var placed: [Order] = []
            for _ in 0..<2 {  // two cash-on-delivery orders of one unit each: both units sold (confirmed)
                _ = try await instance.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
                let checkout = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
                placed.append(try await orders.place(by: lan, checkout, idempotencyKey: nil))
            }
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 2, remaining: 0))
            // The cancellation commits; before its return reaches Redis the ledger is reloaded from SQLite, which
            // already counts the unit as free. The late return names lan, who still bought a unit: it must not free it.
            instance.interleaving.beforeNextSettleStep { try await instance.sales.rebuildLedger() }
            _ = try await orders.changeStatus(orderID: placed[0].id, to: .cancelled, by: lan)
            #expect(try await instance.ledger.level(key) == StockLevel(quantity: 2, held: 0, confirmed: 1, remaining: 1))
            #expect(try await instance.ledger.taken(key, userID: lan.user.id) == 1)
            let late = await #expect(throws: AppError.self) {
                try await instance.sales.reserve(by: mai, saleID: sale.id, productID: product, quantity: 2)
            }
            #expect(late?.code == .soldOut)
            #expect(try await scene.unitsInSQLite() == 1)
        }
    }
}
