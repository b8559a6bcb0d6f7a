import Foundation
import Logging
import Storage

/// Seeds the demo shop through the same service graph the server builds, running on a manual clock that
/// the seeder walks from forty days before the anchor up to it.
func seedDemoShop(
    configuration: ApplianceConfiguration,
    database: AppDatabase,
    credentials: DemoCredentials,
    now: Date,
    logger: Logger
) async throws -> DemoShopReport {
    let anchor = try await DemoShopSeeder.anchor(in: database, now: now)
    let clock = ManualClock(now: DemoShopSeeder.clockStart(anchor: anchor))
    let environment = AppEnvironment(database: database, clock: clock, secrets: Secrets(jwtSecret: "", paymentWebhookSecret: ""))
    // The demo's history has card payments, made through the simulated gateway whatever the live shop takes.
    var seeding = configuration
    seeding.paymentProvider = .simulated
    let shop = ShopServices(configuration: seeding, environment: environment, logger: logger)
    let seeder = DemoShopSeeder(
        database: database,
        clock: clock,
        services: DemoShopServices(
            accounts: shop.accounts,
            catalog: shop.catalog,
            carts: shop.carts,
            orders: shop.orders,
            flashSales: shop.flashSales,
            vouchers: shop.vouchers,
            payments: shop.payments
        )
    )
    return try await seeder.seed(anchor: anchor, credentials: credentials)
}
