import Foundation
import Logging
import Storage
import Testing

@testable import Appliance

/// `klelite seed-demo`'s demo shop, seeded over an in-memory database through the real service graph.
@Suite struct DemoSeedTests {
    let anchor = Date(timeIntervalSince1970: 1_800_000_000)
    let configuration: ApplianceConfiguration
    let database: AppDatabase
    let credentials = DemoCredentials.generate()

    init() throws {
        configuration = try ApplianceConfiguration.resolve(
            flags: ["BCRYPT_COST": "4", "LOG_LEVEL": "warning"],
            environment: [:],
            file: ConfigurationFile(path: "none", entries: [:])
        )
        database = try AppDatabase.inMemory()
        _ = try database.seedDemoData(now: anchor)
    }

    func seed(now: Date) async throws -> DemoShopReport {
        try await seedDemoShop(configuration: configuration, database: database, credentials: credentials, now: now, logger: Logger(label: "test"))
    }

    /// The services as the server would see them at `now`.
    func shop(at now: Date) throws -> Shop {
        try Shop(
            configuration: configuration,
            database: database,
            clock: ManualClock(now: now),
            paymentWebhookSecret: "",
            logger: Logger(label: "test")
        )
    }

    func allOrders(_ shop: Shop) async throws -> [Order] {
        try await shop.orders.list(.init(), page: PageRequest(page: 1, limit: 100)).items
    }

    @Test func salesOpenRelativeToTheFirstSeeding() async throws {
        let report = try await seed(now: anchor)
        #expect(report.anchor == anchor && report.salesAdded == 3)
        let sales = try await shop(at: anchor).flashSales.list(status: nil)
        let upcoming = try #require(sales.first { $0.status == .scheduled })
        #expect(upcoming.startsAt == anchor.addingTimeInterval(120))
        #expect(upcoming.endsAt == anchor.addingTimeInterval(120 + 3600))
        #expect(upcoming.items.count == 3 && upcoming.items.allSatisfy { $0.quantity <= 10 && $0.remaining == $0.quantity })
        let running = try #require(sales.first { $0.status == .active })
        #expect(running.startsAt < anchor && running.endsAt > anchor.addingTimeInterval(3600))
        let ended = try #require(sales.first { $0.status == .ended })
        #expect(ended.endsAt < anchor)
        #expect(ended.items.map(\.confirmed).reduce(0, +) > 0, "the ended sale sold units through reservations")
        #expect(sales.count == 3)
    }

    @Test func customersSpanEveryTierWithOrdersInEveryStatusAndVerifiedReviews() async throws {
        _ = try await seed(now: anchor)
        let shop = try shop(at: anchor)
        let orders = try await allOrders(shop)
        #expect(Set(orders.map(\.status)) == Set(OrderStatus.allCases))
        #expect(orders.allSatisfy { $0.createdAt <= anchor })
        #expect(orders.contains { $0.createdAt > anchor.addingTimeInterval(-3600) }, "some orders are from today, for the dashboard")
        let customers = Set(orders.map(\.userId))
        var tiers: Set<LoyaltyTier> = []
        for customer in customers { tiers.insert(try await shop.loyalty.tier(userID: customer)) }
        #expect(tiers == Set(LoyaltyTier.allCases))

        var reviews = 0
        for product in try await shop.catalog.listProducts(ProductQuery(page: PageRequest(limit: 100))).value.items {
            for review in try await shop.catalog.reviews(productIdOrSlug: product.id, page: PageRequest(limit: 100)).value.items {
                reviews += 1
                let bought = orders.contains { order in
                    order.userId == review.userId && order.createdAt < review.createdAt
                        && (order.status == .delivered || order.status == .refunded)
                        && order.lines.contains { $0.productId == review.productId }
                }
                #expect(bought, "review of \(product.slug) by \(review.userName) without a delivered order")
            }
        }
        #expect(reviews >= 5)
    }

    @Test func vouchersIncludeAnExpiredAndAUsedUpOne() async throws {
        _ = try await seed(now: anchor)
        let vouchers = try await shop(at: anchor).vouchers.list()
        #expect(vouchers.count >= 3)
        #expect(vouchers.contains { ($0.endsAt ?? .distantFuture) < anchor })
        #expect(vouchers.contains { $0.usageLimit != nil && $0.usedCount == $0.usageLimit })
        #expect(vouchers.contains { $0.endsAt == nil && $0.usageLimit == nil })
    }

    @Test func theAdminSignsInWithTheGeneratedPassword() async throws {
        _ = try await seed(now: anchor)
        let accounts = try shop(at: anchor).accounts
        let admin = try await accounts.authenticate(email: credentials.adminEmail, password: credentials.adminPassword)
        #expect(admin.role == .admin)
        for email in credentials.customerEmails {
            #expect(try await accounts.authenticate(email: email, password: credentials.customerPassword).role == .customer)
        }
        await #expect(throws: AppError.self) { try await accounts.authenticate(email: credentials.adminEmail, password: "bakery2024") }
    }

    @Test func seedingAgainAddsNothingAndMovesNoDate() async throws {
        let first = try await seed(now: anchor)
        #expect(!first.alreadySeeded && first.ordersPlaced > 0)
        let before = try await shop(at: anchor).flashSales.list(status: nil).map { [$0.slug: $0.startsAt] }
        let ordersBefore = try await allOrders(shop(at: anchor)).count

        let later = anchor.addingTimeInterval(86_400)
        let second = try await seed(now: later)
        #expect(second.alreadySeeded && second.anchor == anchor)
        #expect(second.ordersPlaced == 0 && second.accountsAdded == 0 && second.salesAdded == 0)
        #expect(try await shop(at: later).flashSales.list(status: nil).map { [$0.slug: $0.startsAt] } == before)
        #expect(try await allOrders(shop(at: later)).count == ordersBefore)
    }

    @Test func credentialsAreGeneratedPerShopAndKeptPrivate() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-demo-\(UUID())").path
        let file = DemoCredentialsFile(dataDirectory: base + "/one")
        let first = try file.loadOrCreate()
        #expect(try file.loadOrCreate() == first)
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let other = try DemoCredentialsFile(dataDirectory: base + "/two").loadOrCreate()
        #expect(other.adminPassword != first.adminPassword && other.customerPassword != first.customerPassword)
        #expect(first.adminPassword != first.customerPassword)
        #expect(throws: Never.self) { try AccountRules.checkPassword(first.adminPassword, email: first.adminEmail) }
        #expect(first.adminPassword.count >= 20)
    }
}
