import Foundation
import Testing

@testable import Storage

@Suite struct LoyaltyTests {
    @Test(arguments: [(0, LoyaltyTier.bronze), (4_999, .bronze), (5_000, .silver), (19_999, .silver), (20_000, .gold), (50_000, .platinum)])
    func tiersFollowLifetimePoints(lifetime: Int, tier: LoyaltyTier) {
        #expect(LoyaltyTier.forLifetime(lifetime) == tier)
    }

    @Test(arguments: [
        (999, LoyaltyTier.bronze, 0), (125_000, .bronze, 125), (125_000, .silver, 150), (125_000, .gold, 187), (125_000, .platinum, 250),
    ])
    func pointsAreEarnedPerThousandTimesTheTierMultiplier(paid: Int, tier: LoyaltyTier, points: Int) {
        #expect(LoyaltyRules.pointsEarned(paid: paid, tier: tier) == points)
    }

    private func deliveredOrder(_ fixture: OrderFixture, buyer: Identity, price: Int) async throws -> Order {
        let admin = try await fixture.catalog.admin()
        var change = CatalogService.ProductDraft()
        (change.price, change.compareAtPrice, change.stock) = (price, .some(nil), 100)
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.catalog.catalog.updateProduct(id: product.id, change)
        _ = try await fixture.carts.add(.user(buyer.user.id), productID: product.id, quantity: 1)
        let order = try await fixture.orders.place(
            by: buyer,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod),
            idempotencyKey: nil
        )
        for status in [OrderStatus.confirmed, .preparing, .shipping, .delivered] {
            _ = try await fixture.orders.changeStatus(orderID: order.id, to: status, by: admin)
        }
        return order
    }

    @Test func deliveryEarnsPointsOnceAndRedemptionIsCappedAtHalfTheSubtotal() async throws {
        let fixture = try OrderFixture()
        let loyalty = LoyaltyService(database: fixture.database, clock: fixture.sales.clock)
        let lan = try await fixture.catalog.customer()
        _ = try await deliveredOrder(fixture, buyer: lan, price: 600_000)
        var summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.balance == 600 && summary.lifetimePoints == 600 && summary.tier == .bronze && summary.pointsToNextTier == 4_400)
        #expect(summary.history.map(\.kind) == [.earn])

        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)  // subtotal 600,000 → cap 30,000 points
        let tooMany = await #expect(throws: AppError.self) {
            try await fixture.orders.place(
                by: lan,
                CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, pointsToRedeem: 601),
                idempotencyKey: nil
            )
        }
        #expect(tooMany?.fields["pointsToRedeem"] != nil)  // more than the balance
        let order = try await fixture.orders.place(
            by: lan,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, pointsToRedeem: 500),
            idempotencyKey: nil
        )
        #expect(order.pointsRedeemed == 500 && order.total == 600_000 - 5_000)
        summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.balance == 100)
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(try await loyalty.summary(userID: lan.user.id).balance == 600)
    }

    @Test func aRefundedOrderGivesBackWhatItEarned() async throws {
        let fixture = try OrderFixture()
        let loyalty = LoyaltyService(database: fixture.database, clock: fixture.sales.clock)
        let lan = try await fixture.catalog.customer()
        let order = try await deliveredOrder(fixture, buyer: lan, price: 300_000)
        #expect(try await loyalty.summary(userID: lan.user.id).balance == 300)
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .refunded, by: try await fixture.catalog.admin("boss2@klelite.vn"))
        let summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.balance == 0 && summary.history.first?.reason == "order \(order.code) refunded")
    }

    @Test(arguments: [(100_000, 5_000), (45_000, 2_250), (1_000, 50)])
    func atMostHalfTheSubtotalCanBePaidWithPoints(subtotal: Int, maximum: Int) {
        #expect(LoyaltyRules.maximumRedeemable(subtotal: subtotal) == maximum)
        #expect(maximum * LoyaltyRules.pointValue <= subtotal / 2)
    }

    @Test func pointsExpireTwelveMonthsAfterEarningOldestFirst() async throws {
        let fixture = try OrderFixture()
        let clock = fixture.sales.clock
        let loyalty = LoyaltyService(database: fixture.database, clock: clock)
        let lan = try await fixture.catalog.customer()
        _ = try await loyalty.adjust(userID: lan.user.id, points: 300, reason: "welcome gift")
        clock.advance(by: 100 * 24 * 3600)
        _ = try await loyalty.adjust(userID: lan.user.id, points: 200, reason: "birthday")
        _ = try await loyalty.adjust(userID: lan.user.id, points: -100, reason: "correction")  // taken from the oldest lot
        clock.advance(by: 266 * 24 * 3600)  // the first lot is now 366 days old
        #expect(try await loyalty.expireDue() == 200)
        #expect(try await loyalty.summary(userID: lan.user.id).balance == 200)
        clock.advance(by: 100 * 24 * 3600)
        #expect(try await loyalty.expireDue() == 200)
        let summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.balance == 0 && summary.history.filter { $0.kind == .expire }.count == 2)
        let negative = await #expect(throws: AppError.self) { try await loyalty.adjust(userID: lan.user.id, points: -1, reason: "x") }
        #expect(negative?.code == .validationFailed)
    }

    @Test func tiersOpenFlashSalesEarly() async throws {
        let fixture = try OrderFixture()
        let loyalty = LoyaltyService(database: fixture.database, clock: fixture.sales.clock)
        let gold = try await fixture.catalog.customer()
        let sales = FlashSaleService(
            database: fixture.database,
            clock: fixture.sales.clock,
            ledger: fixture.sales.ledger,
            rateLimiter: InMemoryRateLimiter(clock: fixture.sales.clock),
            tierOf: { try await loyalty.tier(userID: $0).rawValue }
        )
        try await fixture.database.write { db in
            try LoyaltyService.credit(db, userID: gold.user.id, kind: .earn, points: 20_000, orderID: nil, reason: "history", now: Date())
        }
        let start = fixture.sales.clock.now() + 600
        let sale = try await sales.create(
            FlashSaleDraft(
                name: "Gold hour",
                startsAt: start,
                endsAt: start + 3600,
                earlyAccessTier: "gold",
                earlyAccessMinutes: 15,
                items: [.init(productId: try await fixture.product("croissant-bo-phap").id, salePrice: 1, quantity: 3, perUserLimit: 1)]
            )
        )
        #expect(try await sales.reserve(by: gold, saleID: sale.id, productID: sale.items[0].productId, quantity: 1).status == .reserved)
    }
}

@Suite struct LoyaltyReversalTests {
    /// Points redeemed on a cancelled order go back into the lots they came from, which keep their expiry:
    /// cancelling does not make old points young again.
    @Test func cancellingRestoresTheRedeemedLotsWithTheirOriginalExpiry() async throws {
        let fixture = try OrderFixture()
        let clock = fixture.sales.clock
        let loyalty = LoyaltyService(database: fixture.database, clock: clock)
        let lan = try await fixture.catalog.customer()
        _ = try await loyalty.adjust(userID: lan.user.id, points: 300, reason: "welcome gift")
        clock.advance(by: 300 * 24 * 3600)
        try await fixture.setStock("croissant-bo-phap", 10)
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(
            by: lan,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, pointsToRedeem: 200),
            idempotencyKey: nil
        )
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(try await loyalty.summary(userID: lan.user.id).balance == 300)
        clock.advance(by: 66 * 24 * 3600)  // the welcome lot is now 366 days old
        #expect(try await loyalty.expireDue() == 300)
        #expect(try await loyalty.summary(userID: lan.user.id).balance == 0)
    }

    /// A refund takes back what the order earned from the lifetime total too, and so from the tier.
    @Test func aRefundLowersLifetimePointsAndTheTier() async throws {
        let fixture = try OrderFixture()
        let loyalty = LoyaltyService(database: fixture.database, clock: fixture.sales.clock)
        let admin = try await fixture.catalog.admin()
        let lan = try await fixture.catalog.customer()
        var change = CatalogService.ProductDraft()
        (change.price, change.compareAtPrice, change.stock) = (5_000_000, .some(nil), 10)
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.catalog.catalog.updateProduct(id: product.id, change)
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        for status in [OrderStatus.confirmed, .preparing, .shipping, .delivered] {
            _ = try await fixture.orders.changeStatus(orderID: order.id, to: status, by: admin)
        }
        var summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.lifetimePoints == 5_000 && summary.tier == .silver)
        _ = try await loyalty.adjust(userID: lan.user.id, points: -4_000, reason: "spent elsewhere")
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .refunded, by: admin)
        summary = try await loyalty.summary(userID: lan.user.id)
        #expect(summary.lifetimePoints == 0 && summary.tier == .bronze)
        #expect(summary.balance == 0)  // as far as the balance allowed
    }
}
