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
    // The demo's history has card payments, made through the simulated gateway whatever the live shop takes.
    var seeding = configuration
    seeding.paymentProvider = .simulated
    // Seeding verifies no webhook, so the shop needs no webhook secret.
    let shop = try Shop(configuration: seeding, database: database, clock: clock, paymentWebhookSecret: "", logger: logger)
    let seeder = DemoShopSeeder(shop: shop, clock: clock)
    return try await seeder.seed(anchor: anchor, credentials: credentials)
}
