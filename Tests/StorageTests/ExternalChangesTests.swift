import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// Two processes on one data folder, simulated by two `AppDatabase`s (each its own connections) on one file:
/// the "server" with its ledger, and "another process" (a CLI command) writing beside it.
struct TwoProcessFixture {
    let directory: String
    let server: AppDatabase
    let other: AppDatabase
    let clock = ManualClock()
    let sales: FlashSaleService
    let otherSales: FlashSaleService
    let accounts: AccountService

    init() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("klelite-two-\(UUID().uuidString)")
        server = try AppDatabase.open(directory: directory)
        other = try AppDatabase.open(directory: directory)
        _ = try other.seedDemoData(now: clock.now())
        sales = FlashSaleService(database: server, clock: clock, ledger: InMemoryStockLedger(), rateLimiter: InMemoryRateLimiter(clock: clock))
        otherSales = FlashSaleService(database: other, clock: clock, ledger: InMemoryStockLedger(), rateLimiter: InMemoryRateLimiter(clock: clock))
        accounts = Self.accounts(on: server, clock: clock)
    }

    /// Accounts over one of the two processes' databases, bcrypt at the lowest cost.
    static func accounts(on database: AppDatabase, clock: ManualClock) -> AccountService {
        AccountService(database: database, hasher: BcryptPasswordHasher(cost: 4), jobs: JobQueue(database: database, clock: clock), clock: clock)
    }

    func customer(_ email: String) async throws -> Identity {
        Identity(user: try await accounts.register(email: email, password: "banhmi2024", name: "Khách", phone: nil), sessionID: "test")
    }

    /// A sale of croissants, open now for an hour, created by the other process.
    func saleByTheOtherProcess(quantity: Int = 10, limit: Int = 2) async throws -> FlashSale {
        let product = try await CatalogService(database: other, clock: clock, images: ProductImageStore(directory: directory))
            .product(idOrSlug: "croissant-bo-phap").value.id
        return try await otherSales.create(
            FlashSaleDraft(
                name: "Giờ vàng từ CLI",
                startsAt: clock.now(),
                endsAt: clock.now().addingTimeInterval(3600),
                items: [.init(productId: product, salePrice: 30_000, quantity: quantity, perUserLimit: limit)]
            )
        )
    }

    func close() {
        try? server.close()
        try? other.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite struct ExternalChangesTests {
    @Test func theChangeCounterMovesOnlyForAnotherProcesssCommits() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let start = try await fixture.server.externalChangeCounter()
        _ = try await fixture.customer("own-write@example.vn")
        #expect(try await fixture.server.externalChangeCounter() == start)
        _ = try await fixture.saleByTheOtherProcess()
        #expect(try await fixture.server.externalChangeCounter() != start)
    }

    @Test func aSaleCreatedByAnotherProcessBecomesReservableWithoutARestart() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        try await fixture.sales.rebuildLedger()
        let lan = try await fixture.customer("lan@example.vn")
        let sale = try await fixture.saleByTheOtherProcess()
        let product = sale.items[0].productId
        await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
        }
        let sync = ExternalSaleSync(sales: fixture.sales)
        #expect(try await sync.absorb() == [sale.id])
        let reservation = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
        #expect(reservation.status == .reserved)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 8)
        // A later pass with nothing new leaves the counts alone.
        #expect(try await sync.absorb().isEmpty)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 8)
    }

    /// A sale this process never loaded arrives with reservations another process already committed: the pass counts
    /// them (held units and each user's share), though a pass with nothing missing reads only the definitions.
    @Test func aMissingSaleIsAbsorbedWithTheReservationsAlreadyCommittedForIt() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        try await fixture.sales.rebuildLedger()
        let sync = ExternalSaleSync(sales: fixture.sales)
        let lan = try await fixture.customer("lan@example.vn")
        let sale = try await fixture.saleByTheOtherProcess(quantity: 10, limit: 3)
        let product = sale.items[0].productId
        let at = fixture.clock.now()
        try await fixture.other.write { db in
            try db.execute(
                sql: """
                    INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, 2, 1, 'reserved', ?, ?, ?)
                    """,
                arguments: [TimeOrderedID.make(at: at), sale.id, product, lan.user.id, at.addingTimeInterval(300), at, at]
            )
        }
        #expect(try await sync.absorb() == [sale.id])
        let key = SaleItemKey(saleID: sale.id, productID: product)
        #expect(try await fixture.sales.ledger.level(key) == StockLevel(quantity: 10, held: 2, confirmed: 0, remaining: 8))
        #expect(try await fixture.sales.ledger.reserve(key, userID: lan.user.id, quantity: 2) == .limitExceeded)
        #expect(try await fixture.sales.ledger.reserve(key, userID: lan.user.id, quantity: 1) == .taken)
    }

    /// Another process grows a sale while this one holds committed reservations and one still in flight (taken in
    /// the ledger, row not yet written): the new quantity applies and no held unit is forgotten.
    @Test func aSaleChangedElsewhereIsRedefinedWithoutResettingUnitsInFlight() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let sale = try await fixture.saleByTheOtherProcess(quantity: 10, limit: 3)
        let product = sale.items[0].productId
        let key = SaleItemKey(saleID: sale.id, productID: product)
        try await fixture.sales.rebuildLedger()
        let sync = ExternalSaleSync(sales: fixture.sales)
        try await sync.absorb()
        let lan = try await fixture.customer("lan@example.vn")
        _ = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
        #expect(try await fixture.sales.ledger.reserve(key, userID: "in-flight", quantity: 1) == .taken)
        try await fixture.other.write { db in
            try db.execute(sql: "UPDATE flashSaleItem SET quantity = 20, perUserLimit = 5 WHERE saleId = ?", arguments: [sale.id])
        }
        #expect(try await sync.absorb() == [sale.id])
        let level = try #require(try await fixture.sales.ledger.level(key))
        #expect(level == StockLevel(quantity: 20, held: 3, confirmed: 0, remaining: 17))
        #expect(try await fixture.sales.ledger.reserve(key, userID: lan.user.id, quantity: 3) == .taken)
    }

    /// The ledger never replaces an item it already has with a freshly read copy.
    @Test func insertMissingNeverReplacesAKnownItem() async throws {
        let ledger = InMemoryStockLedger()
        let key = SaleItemKey(saleID: "s", productID: "p")
        let state = StockItemState(key: key, quantity: 5, perUserLimit: 5, held: 0, confirmed: 0, perUser: [:])
        try await ledger.insertMissing([state])
        #expect(try await ledger.reserve(key, userID: "u", quantity: 2) == .taken)
        try await ledger.insertMissing([state])
        #expect(try await ledger.level(key)?.remaining == 3)
    }

    @Test func theWatcherReactsOnceToEachForeignCommitAndRetriesAFailure() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let calls = Mutex(0)
        let failNext = Mutex(false)
        let watcher = ExternalChangeWatcher(database: fixture.server, clock: fixture.clock) {
            calls.withLock { $0 += 1 }
            if failNext.withLock({ value in
                defer { value = false }; return value
            }) {
                throw AppError(.internalError, "boom")
            }
        }
        var seen = await watcher.check(since: nil)
        #expect(calls.withLock { $0 } == 1)
        seen = await watcher.check(since: seen)
        _ = try await fixture.customer("own@example.vn")
        seen = await watcher.check(since: seen)
        #expect(calls.withLock { $0 } == 1)
        _ = try await fixture.saleByTheOtherProcess()
        failNext.withLock { $0 = true }
        let afterFailure = await watcher.check(since: seen)
        #expect(afterFailure == seen && calls.withLock { $0 } == 2)
        let afterRetry = await watcher.check(since: afterFailure)
        #expect(afterRetry != seen && calls.withLock { $0 } == 3)
    }
}

@Suite struct FlashSaleClockBackoffTests {
    @Test func backoffDoublesFromOneSecondUpToAMinute() {
        #expect((1...8).map { FlashSaleClock.backoff(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 60, 60])
    }

    /// A disk that refuses writes keeps the transition due; the clock must park on its backoff, not spin.
    @Test func aFailingTickParksTheClockInsteadOfSpinning() async throws {
        let fixture = try FlashSaleFixture()
        _ = try await fixture.croissantSale(startsIn: 60)
        try await fixture.database.write { db in
            try db.execute(sql: "CREATE TRIGGER refuseWrites BEFORE UPDATE ON flashSale BEGIN SELECT RAISE(ABORT, 'disk is read-only'); END")
        }
        fixture.clock.advance(by: 120)
        let clock = FlashSaleClock(sales: fixture.sales)
        let running = Task { try await clock.run() }
        defer { running.cancel() }
        try await eventually("the clock parks on its backoff") { fixture.clock.sleeperCount == 1 }
        fixture.clock.advance(by: 0.5)
        #expect(fixture.clock.sleeperCount == 1)
    }
}
