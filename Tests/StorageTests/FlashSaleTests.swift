import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

@Suite struct FlashSaleTests {
    @Test func aSaleWhoseWindowHasBegunIsActiveAtOnceAndAFutureOneIsScheduled() async throws {
        let fixture = try FlashSaleFixture()
        #expect(try await fixture.croissantSale().status == .active)
        let later = try await fixture.croissantSale(startsIn: 600)
        #expect(later.status == .scheduled && later.slug == "gio-vang-croissant-2")
        #expect(later.items[0].remaining == 10 && later.items[0].regularPrice > later.items[0].salePrice)
    }

    @Test func invalidSalesAreRefusedWithTheirField() async throws {
        let fixture = try FlashSaleFixture()
        let product = try await fixture.productID("croissant-bo-phap")
        let now = fixture.clock.now()
        let cases: [(FlashSaleDraft, String)] = [
            (
                FlashSaleDraft(name: "x", startsAt: now, endsAt: now, items: [.init(productId: product, salePrice: 1, quantity: 1, perUserLimit: 1)]),
                "endsAt"
            ),
            (FlashSaleDraft(name: "x", startsAt: now, endsAt: now + 60, items: []), "items"),
            (
                FlashSaleDraft(
                    name: "x",
                    startsAt: now,
                    endsAt: now + 60,
                    earlyAccessTier: "diamond",
                    items: [.init(productId: product, salePrice: 1, quantity: 1, perUserLimit: 1)]
                ), "earlyAccessTier"
            ),
            (
                FlashSaleDraft(
                    name: "x",
                    startsAt: now,
                    endsAt: now + 60,
                    items: [.init(productId: product, salePrice: 999_999, quantity: 1, perUserLimit: 1)]
                ), "items[0].salePrice"
            ),
            (
                FlashSaleDraft(
                    name: "x",
                    startsAt: now,
                    endsAt: now + 60,
                    items: [.init(productId: product, salePrice: 1, quantity: 0, perUserLimit: 1)]
                ), "items[0].quantity"
            ),
            (
                FlashSaleDraft(
                    name: "x",
                    startsAt: now,
                    endsAt: now + 60,
                    items: [.init(productId: "nope", salePrice: 1, quantity: 1, perUserLimit: 1)]
                ), "items[0].productId"
            ),
        ]
        for (draft, field) in cases {
            let error = await #expect(throws: AppError.self) { try await fixture.sales.create(draft) }
            #expect(error?.fields[field] != nil, "expected \(field): \(String(describing: error))")
        }
    }

    @Test func reservationsRespectOrderOfChecksLimitStockAndRelease() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 3, limit: 2)
        let product = sale.items[0].productId
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        let held = try await fixture.sales.reserve(by: lan, saleID: sale.slug, productID: product, quantity: 2)
        #expect(held.status == .reserved && held.salePrice == 30_000 && held.expiresAt == fixture.clock.now() + 300)
        await #expect(throws: AppError(.limitExceeded, "You have reached the limit for this item in this sale.")) {
            try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1)
        }
        await #expect(throws: AppError(.soldOut, "Sold out.")) {
            try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 2)
        }
        let zero = await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 0)
        }
        #expect(zero?.fields["quantity"] != nil)
        try await fixture.sales.release(reservationID: held.id, by: lan)
        await #expect(throws: AppError.self) { try await fixture.sales.release(reservationID: held.id, by: lan) }  // once only
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 3)
        _ = try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 2)
        await #expect(throws: AppError.notFound("The reservation")) { try await fixture.sales.release(reservationID: "nope", by: lan) }
    }

    @Test func reservingIsRateLimitedPerUser() async throws {
        let fixture = try FlashSaleFixture(reservePerMinute: 5)
        let sale = try await fixture.croissantSale(quantity: 100, limit: 100)
        let lan = try await fixture.catalog.customer()
        for _ in 0..<5 { _ = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1) }
        let limited = await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        }
        #expect(limited?.code == .rateLimited && limited?.retryAfter == 60)
    }

    @Test func theClockStartsAndEndsSalesAtTheirBoundariesWithoutPolling() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(startsIn: 600)
        let lan = try await fixture.catalog.customer()
        let notYet = await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        }
        #expect(notYet?.code == .notActive)
        let clock = FlashSaleClock(sales: fixture.sales)
        let running = Task { try await clock.run() }
        try await eventually("the clock sleeps until the start") { fixture.clock.sleeperCount == 1 }
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).status == .scheduled)
        fixture.clock.advance(by: 599)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).status == .scheduled)
        fixture.clock.advance(by: 1)
        try await eventually("the sale started") { try await fixture.sales.sale(idOrSlug: sale.id).status == .active }
        _ = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        fixture.clock.advance(by: 3600)
        try await eventually("the sale ended") { try await fixture.sales.sale(idOrSlug: sale.id).status == .ended }
        running.cancel()
        let over = await #expect(throws: AppError.self) {
            try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        }
        #expect(over?.code == .notActive)
    }

    @Test func heldReservationsExpireOnTimeAndTheirStockReturns() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 2, limit: 2)
        let lan = try await fixture.catalog.customer()
        let clock = FlashSaleClock(sales: fixture.sales)
        let running = Task { try await clock.run() }
        let held = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        fixture.clock.advance(by: 299)
        try await eventually("the clock waits for the expiry") { fixture.clock.sleeperCount == 1 }
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 0)
        fixture.clock.advance(by: 1)
        try await eventually("the reservation expired") { try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 2 }
        running.cancel()
        let mine = try await fixture.sales.reservations(userID: lan.user.id)
        #expect(mine.first { $0.id == held.id }?.status == .released && mine.first?.releasedReason == "expired")
    }

    @Test func confirmedUnitsStaySoldAndCancellingReleasesOnlyHeldOnes() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 5, limit: 2)
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        let paid = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        _ = try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        #expect(try await fixture.sell(paid).status == .confirmed)
        _ = try await fixture.sales.confirm(saleID: sale.id, reservationID: paid.id)  // idempotent
        fixture.clock.advance(by: 301)
        try await fixture.sales.expireDue()
        var item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 2 && item.held == 0 && item.remaining == 3)
        let cancelled = try await fixture.sales.cancel(id: sale.id)
        #expect(cancelled.status == .cancelled)
        item = cancelled.items[0]
        #expect(item.confirmed == 2 && item.remaining == 3)
        await #expect(throws: AppError.self) { try await fixture.sales.cancel(id: sale.id) }
    }

    /// An admin confirms only a reservation that is part of an order, and only through its own sale: a plain
    /// hold would sell units that no order accounts for and that nothing would ever give back.
    @Test func onlyAnOrderedReservationOfTheSaleInThePathCanBeConfirmed() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 5, limit: 2)
        let other = try await fixture.croissantSale(quantity: 1, limit: 1)
        let lan = try await fixture.catalog.customer()
        let held = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        let plain = await #expect(throws: AppError.self) { try await fixture.sales.confirm(saleID: sale.id, reservationID: held.id) }
        #expect(plain?.code == .conflict)
        var item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.held == 2 && item.confirmed == 0)
        let elsewhere = await #expect(throws: AppError.self) { try await fixture.sales.confirm(saleID: other.id, reservationID: held.id) }
        #expect(elsewhere?.code == .notFound)
        // Expiry still gives a plain hold back.
        fixture.clock.advance(by: 301)
        try await fixture.sales.expireDue()
        item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.held == 0 && item.confirmed == 0 && item.remaining == 5)
        let again = try await fixture.sales.reserve(by: lan, saleID: sale.slug, productID: sale.items[0].productId, quantity: 1)
        #expect(try await fixture.sell(again).status == .confirmed)
        #expect(try await fixture.sales.confirm(saleID: sale.slug, reservationID: again.id).status == .confirmed)  // by slug; idempotent
        item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 1 && item.remaining == 4)
    }

    /// The ledger rebuilt from SQLite after a restart matches the committed reservations.
    @Test func theLedgerIsRebuiltFromCommittedReservations() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 3)
        let product = sale.items[0].productId
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        let one = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
        _ = try await fixture.sales.reserve(by: minh, saleID: sale.id, productID: product, quantity: 3)
        try await fixture.sell(one)
        let restarted = FlashSaleService(
            database: fixture.database,
            clock: fixture.clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: fixture.clock)
        )
        try await restarted.rebuildLedger()
        let item = try await restarted.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 2 && item.held == 3 && item.remaining == 5)
        await #expect(throws: AppError.self) { try await restarted.reserve(by: minh, saleID: sale.id, productID: product, quantity: 1) }
    }

    @Test func earlyAccessOpensTheSaleBeforeItsStartOnlyForHighEnoughTiers() async throws {
        let fixture = try FlashSaleFixture()
        let lan = try await fixture.catalog.customer()
        let minh = try await fixture.catalog.customer("minh@example.vn", name: "Minh")
        let tiered = FlashSaleService(
            database: fixture.database,
            clock: fixture.clock,
            ledger: fixture.ledger,
            rateLimiter: InMemoryRateLimiter(clock: fixture.clock),
            tierOf: { $0 == lan.user.id ? "platinum" : "silver" }
        )
        let start = fixture.clock.now().addingTimeInterval(20 * 60)
        let sale = try await tiered.create(
            FlashSaleDraft(
                name: "Gold early",
                startsAt: start,
                endsAt: start + 3600,
                earlyAccessTier: "gold",
                earlyAccessMinutes: 30,
                items: [.init(productId: try await fixture.productID("croissant-bo-phap"), salePrice: 30_000, quantity: 5, perUserLimit: 2)]
            )
        )
        _ = try await tiered.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        let refused = await #expect(throws: AppError.self) {
            try await tiered.reserve(by: minh, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
        }
        #expect(refused?.code == .notActive)
    }
}

@Suite struct GroupCommitTests {
    /// A burst of buyers is written in far fewer transactions than rows, and every caller that was answered
    /// has its row committed.
    @Test func aBurstOfReservationsSharesTransactions() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 300, limit: 1)
        var buyers: [Identity] = []
        for index in 0..<300 {
            let (user, _) = try await fixture.catalog.accounts.createAdmin(email: "b\(index)@example.vn", password: "banhmi2024")
            buyers.append(Identity(user: user, sessionID: "s"))
        }
        let before = fixture.sales.writer.commitCount
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for buyer in buyers {
                group.addTask {
                    _ = try await fixture.sales.reserve(by: buyer, saleID: sale.id, productID: sale.items[0].productId, quantity: 1)
                    return 1
                }
            }
            return try await group.reduce(0, +)
        }
        let commits = fixture.sales.writer.commitCount - before
        let rows = try await fixture.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reservation") ?? 0 }
        #expect(answered == 300 && rows == 300)
        #expect(commits < 300)
        #expect(try await fixture.sales.sale(idOrSlug: sale.id).items[0].remaining == 0)
    }

    /// A row the database refuses fails only its own caller, and its units go back to the ledger.
    @Test func aRefusedRowFailsOnlyItsCallerAndUndoesItsLedgerStep() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 5, limit: 5)
        let lan = try await fixture.catalog.customer()
        let ghost = Identity(
            user: User(
                id: "no-such-user",
                email: "g@x.vn",
                name: "G",
                phone: nil,
                role: .customer,
                isDisabled: false,
                createdAt: Date(),
                updatedAt: Date()
            ),
            sessionID: "s"
        )
        async let good = fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        async let bad = fixture.sales.reserve(by: ghost, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        let goodResult = try await good
        let badResult = await (try? bad)
        #expect(goodResult.status == .reserved)
        #expect(badResult == nil)  // the foreign key to user refuses the ghost's row
        let item = try await fixture.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.held == 2 && item.remaining == 3)
    }
}

@Suite struct SaleStartAnnouncementTests {
    @Test func aStartingSaleQueuesOneNotificationJobWithTheTransition() async throws {
        let catalog = try CatalogFixture()
        let jobs = JobQueue(database: catalog.database, clock: catalog.clock)
        let sales = FlashSaleService(
            database: catalog.database,
            clock: catalog.clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: catalog.clock),
            jobs: jobs
        )
        let start = catalog.clock.now() + 60
        let product = try await catalog.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        _ = try await sales.create(
            FlashSaleDraft(
                name: "Sáng thứ bảy",
                startsAt: start,
                endsAt: start + 3600,
                items: [.init(productId: product, salePrice: 1, quantity: 1, perUserLimit: 1)]
            )
        )
        #expect(try await jobs.counts().isEmpty)
        catalog.clock.advance(by: 60)
        #expect(try await sales.applyTransitions() == 1)
        #expect(try await sales.applyTransitions() == 0)
        let queued = try await jobs.list(status: .queued, queue: BroadcastJob.queue, page: PageRequest()).items
        #expect(queued.count == 1 && queued[0].kind == BroadcastJob.kind)
        let draft = try queued[0].decodePayload(BroadcastJob.self).draft
        #expect(draft.type == "flash_sale.started")
        #expect(draft.data == ["saleId": draft.data["saleId"] ?? "", "saleName": "Sáng thứ bảy"])  // worded per language by the page
        #expect(draft.data["saleId"]?.isEmpty == false)
    }
}

@Suite struct EndedSaleCountersTests {
    /// After a restart an ended sale is no longer in the ledger; its counters come from the reservations.
    @Test func anEndedSaleShowsItsCountsFromSQLiteAfterARestart() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 4, limit: 2)
        let lan = try await fixture.catalog.customer()
        let paid = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        try await fixture.sell(paid)
        fixture.clock.advance(by: 3600)
        try await fixture.sales.applyTransitions()
        let restarted = FlashSaleService(
            database: fixture.database,
            clock: fixture.clock,
            ledger: InMemoryStockLedger(),
            rateLimiter: InMemoryRateLimiter(clock: fixture.clock)
        )
        try await restarted.rebuildLedger()
        let ended = try await restarted.sale(idOrSlug: sale.id)
        #expect(ended.status == .ended)
        #expect(ended.items[0].confirmed == 2 && ended.items[0].held == 0 && ended.items[0].remaining == 2)
    }
}
