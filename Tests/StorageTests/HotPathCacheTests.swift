import Foundation
import GRDB
import Synchronization
import Testing

@testable import Storage

/// The in-memory copies that keep SQLite off the hot paths (the catalogue version, open sessions, sale gates): each
/// is used while nothing changed, and forgotten by a write in this process at once, by another process's write when
/// its commit is noticed (`data_version`), and never kept from a read that raced a write.
@Suite struct HotPathCacheTests {
    // MARK: - The cache itself

    @Test func aValueReadWhileACommitLandedIsNotKept() async throws {
        let cache = CommitScopedCache<String, Int>(maxCount: 10)
        let loads = Mutex(0)
        let first = try await cache.value(for: "k") {
            loads.withLock { $0 += 1 }
            cache.forget()  // a commit lands while the value is being read
            return 1
        }
        #expect(first == 1 && cache.count == 0)
        let second = try await cache.value(for: "k") {
            loads.withLock { $0 += 1 }
            return 2
        }
        #expect(second == 2)
        #expect(
            try await cache.value(for: "k") {
                Issue.record("read again"); return 3
            } == 2
        )
        #expect(loads.withLock { $0 } == 2)
    }

    @Test func theCacheNeverHoldsMoreThanItsBound() async throws {
        let cache = CommitScopedCache<Int, Int>(maxCount: 3)
        for key in 0..<10 { _ = try await cache.value(for: key) { key } }
        #expect(cache.count <= 3)
        #expect(try await cache.value(for: 99) { nil } == nil)
    }

    // MARK: - Catalogue version

    @Test func theCatalogueVersionComesFromMemoryUntilAnotherProcessesWriteIsNoticed() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let images = ProductImageStore(directory: fixture.directory)
        let catalog = CatalogService(database: fixture.server, clock: fixture.clock, images: images)
        let before = try await catalog.version()
        let seen = try await fixture.server.externalChangeCounter()
        try await fixture.other.write { db in try db.execute(sql: "UPDATE product SET price = price + 1000") }
        // No round trip: the counter is still the one in memory…
        #expect(try await catalog.version() == before)
        // …until the watcher notices the other process's commit.
        let watcher = ExternalChangeWatcher(database: fixture.server, clock: fixture.clock) {}
        // The counter read before the other process wrote: only a moved `data_version` makes the watcher act.
        #expect(await watcher.check(since: seen) != seen)
        #expect(try await catalog.version() > before)
    }

    @Test func aCatalogueWriteInThisProcessMovesTheVersionBeforeItReturns() async throws {
        let fixture = try CatalogFixture()
        let catalog = fixture.catalog
        let v0 = try await catalog.version()
        #expect(try await catalog.version() == v0)
        var change = CatalogService.ProductDraft()
        change.price = 99_000
        _ = try await catalog.updateProduct(id: try await catalog.product(idOrSlug: "croissant-bo-phap").value.id, change)
        let v1 = try await catalog.version()
        #expect(v1 > v0)
        // A write by another part of the shop (an order taking stock) through the same database counts as well.
        try await fixture.database.write { db in try db.execute(sql: "UPDATE product SET stock = stock - 1 WHERE slug = 'croissant-bo-phap'") }
        #expect(try await catalog.version() > v1)
    }

    /// What a cached answer's hot path reads without suspending: the version while it is in memory, and nil — so the
    /// route reads it again — once a write in this process or a bump says it may be stale.
    @Test func theKnownVersionIsTheKeptOneAndNilWheneverItMustBeReadAgain() async throws {
        let fixture = try CatalogFixture()
        let catalog = fixture.catalog
        #expect(catalog.knownVersion == nil)
        let v0 = try await catalog.version()
        #expect(catalog.knownVersion == v0)
        try await fixture.database.write { db in try db.execute(sql: "UPDATE product SET stock = stock - 1 WHERE slug = 'croissant-bo-phap'") }
        #expect(catalog.knownVersion == nil)
        let v1 = try await catalog.version()
        #expect(v1 > v0 && catalog.knownVersion == v1)
        catalog.cachedVersion.bump()
        #expect(catalog.knownVersion == nil)
        #expect(try await catalog.version() == v1)
        #expect(catalog.knownVersion == v1)  // read again, and kept again
    }

    @Test func aRolledBackWriteLeavesTheVersionAlone() async throws {
        let fixture = try CatalogFixture()
        let v0 = try await fixture.catalog.version()
        await #expect(throws: AppError.self) {
            try await fixture.database.write { db in
                try db.execute(sql: "UPDATE product SET stock = stock + 1")
                throw AppError(.conflict, "changed my mind")
            }
        }
        #expect(try await fixture.catalog.version() == v0)
    }

    @Test func bumpForgetsTheVersionForClusterInvalidations() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let catalog = CatalogService(database: fixture.server, clock: fixture.clock, images: ProductImageStore(directory: fixture.directory))
        let before = try await catalog.version()
        try await fixture.other.write { db in try db.execute(sql: "UPDATE category SET sortOrder = sortOrder + 1") }
        #expect(try await catalog.version() == before)
        catalog.cachedVersion.bump()
        #expect(try await catalog.version() > before)
    }

    // MARK: - Sessions

    @Test func signOutAndSignOutEverywhereEndTheKeptIdentityAtOnce() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let one = try await fixture.accounts.startSession(for: user)
        let two = try await fixture.accounts.startSession(for: user)
        let three = try await fixture.accounts.startSession(for: user)
        for session in [one, two, three] {
            #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) != nil)
        }
        #expect(fixture.accounts.openSessions.count == 3)
        try await fixture.accounts.endSession(id: one.sessionID)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: one.sessionID) == nil)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: two.sessionID) != nil)
        try await fixture.accounts.endAllSessions(userID: user.id)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: two.sessionID) == nil)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: three.sessionID) == nil)
    }

    @Test func disablingAUserOrChangingTheRoleIsSeenByTheNextRequest() async throws {
        let fixture = try AccountFixture()
        let (admin, _) = try await fixture.accounts.createAdmin(email: "chu@example.vn", password: "banhmi2024-admin")
        let actor = Identity(user: admin, sessionID: "admin")
        let user = try await fixture.registerCustomer()
        let session = try await fixture.accounts.startSession(for: user)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID)?.user.role == .customer)
        _ = try await fixture.accounts.updateUser(id: user.id, .init(role: .admin), by: actor)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID)?.user.role == .admin)
        _ = try await fixture.accounts.updateUser(id: user.id, .init(role: .customer), by: actor)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID)?.user.role == .customer)
        _ = try await fixture.accounts.updateUser(id: user.id, .init(isDisabled: true), by: actor)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) == nil)
    }

    @Test func aPasswordChangeEndsEveryOtherKeptSession() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer(password: "banhmi2024")
        let mine = try await fixture.accounts.startSession(for: user)
        let other = try await fixture.accounts.startSession(for: user)
        let me = try #require(try await fixture.accounts.identity(userID: user.id, sessionID: mine.sessionID))
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: other.sessionID) != nil)
        _ = try await fixture.accounts.updateProfile(me, .init(newPassword: "banhchung-2025", currentPassword: "banhmi2024"))
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: other.sessionID) == nil)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: mine.sessionID) != nil)
    }

    @Test func aRefreshRotationOrAQuietPruneKeepsTheOtherKeptSessions() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.registerCustomer()
        let one = try await fixture.accounts.startSession(for: user)
        let two = try await fixture.accounts.startSession(for: user)
        let ended = try await fixture.accounts.startSession(for: user)
        try await fixture.accounts.endSession(id: ended.sessionID)
        for session in [one, two] {
            #expect(try await fixture.accounts.identity(userID: user.id, sessionID: session.sessionID) != nil)
        }
        #expect(fixture.accounts.openSessions.count == 2)
        // A rotation only moves `session.lastUsedAt`: nothing an identity is made of.
        _ = try await fixture.accounts.refreshSession(token: one.refreshToken)
        #expect(fixture.accounts.openSessions.count == 2)
        // Pruning deletes only what no kept identity can name (here the ended session).
        fixture.clock.advance(by: 1)
        let now = fixture.clock.now()
        let pruned = try await fixture.database.write { db in try AccountService.pruneExpired(db, now: now, retention: 0) }
        #expect(pruned["sessions"] == 1)
        #expect(fixture.accounts.openSessions.count == 2)
        // A revocation still forgets at once.
        try await fixture.accounts.endSession(id: two.sessionID)
        #expect(fixture.accounts.openSessions.count == 0)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: two.sessionID) == nil)
        #expect(try await fixture.accounts.identity(userID: user.id, sessionID: one.sessionID) != nil)
    }

    @Test func aSessionEndedByAnotherProcessIsRefusedOnceItsCommitIsNoticed() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let lan = try await fixture.customer("lan@example.vn")
        let session = try await fixture.accounts.startSession(for: lan.user)
        #expect(try await fixture.accounts.identity(userID: lan.user.id, sessionID: session.sessionID) != nil)
        let seen = try await fixture.server.externalChangeCounter()
        try await fixture.other.write { db in try db.execute(sql: "UPDATE session SET revokedAt = CURRENT_TIMESTAMP") }
        let watcher = ExternalChangeWatcher(database: fixture.server, clock: fixture.clock) {}
        // The counter read before the other process wrote: only a moved `data_version` makes the watcher act.
        #expect(await watcher.check(since: seen) != seen)
        #expect(try await fixture.accounts.identity(userID: lan.user.id, sessionID: session.sessionID) == nil)
    }

    // MARK: - Sale gates

    @Test func aReserveUsesTheKeptSaleUntilAnotherProcessesChangeIsNoticed() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        let sale = try await fixture.saleByTheOtherProcess(quantity: 10, limit: 5)
        try await fixture.sales.rebuildLedger()
        let lan = try await fixture.customer("lan@example.vn")
        let product = sale.items[0].productId
        #expect(try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1).salePrice == 30_000)
        let seen = try await fixture.server.externalChangeCounter()
        try await fixture.other.write { db in try db.execute(sql: "UPDATE flashSaleItem SET salePrice = 25000") }
        #expect(try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1).salePrice == 30_000)
        let watcher = ExternalChangeWatcher(database: fixture.server, clock: fixture.clock) {}
        // The counter read before the other process wrote: only a moved `data_version` makes the watcher act.
        #expect(await watcher.check(since: seen) != seen)
        #expect(try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1).salePrice == 25_000)
    }

    @Test func aSaleCancelledInThisProcessRefusesTheNextReserve() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 5)
        let lan = try await fixture.catalog.customer("lan@example.vn")
        let product = sale.items[0].productId
        _ = try await fixture.sales.reserve(by: lan, saleID: sale.slug, productID: product, quantity: 1)
        #expect(fixture.sales.saleGates.count == 1)
        _ = try await fixture.sales.cancel(id: sale.id)
        #expect(fixture.sales.saleGates.count == 0)  // forgotten by the cancel's commit, before it returned
        let refused = await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: lan, saleID: sale.slug, productID: product, quantity: 1)
        }
        #expect(refused?.code == .notActive)
    }

    // MARK: - Start-up

    /// The start-up count (per live item, from the index `reservation_item_units`) equals the same count made from the
    /// table's rows, for all live sales and for one sale.
    @Test func theStartUpCountEqualsTheCountOfTheTable() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 20, limit: 5)
        let product = sale.items[0].productId
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        let first = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
        _ = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
        let third = try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 3)
        _ = try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 1)
        _ = try await fixture.sell(first)
        try await fixture.sales.release(reservationID: third.id, by: minh)
        let live = try await fixture.database.read { db in try FlashSaleService.itemStates(db, saleID: nil) }
        let ofSale = try await fixture.database.read { db in try FlashSaleService.itemStates(db, saleID: sale.id) }
        let fromTable = try await fixture.database.read { db in try ReservationIndexTests.countedFromTheTable(db) }
        #expect(ReservationIndexTests.byKey(live) == fromTable && ReservationIndexTests.byKey(ofSale) == fromTable)
        #expect(live.first?.perUser == [lan.user.id: 3, minh.user.id: 1])
        #expect(live.first?.held == 2 && live.first?.confirmed == 2)
        _ = try await fixture.sales.cancel(id: sale.id)
        #expect(try await fixture.database.read { db in try FlashSaleService.itemStates(db, saleID: nil) }.isEmpty)
    }
}
