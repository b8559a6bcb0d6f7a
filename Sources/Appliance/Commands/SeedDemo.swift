import ArgumentParser
import Foundation
import Storage

/// `klelite seed-demo`: fill the shop with the demo bakery — its catalogue, and (unless `--catalog-only`)
/// accounts, order history, reviews, vouchers and flash sales. Idempotent.
struct SeedDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Add the demo bakery: its catalogue, then demo accounts, orders, reviews, vouchers and flash sales."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(name: .customLong("only-if-empty"), help: "Seed only a shop whose catalogue is empty (what `make run` uses).")
    var onlyIfEmpty = false

    @Flag(name: .customLong("catalog-only"), help: "Add only the categories and products.")
    var catalogOnly = false

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let logger = bootstrapLogging(level: configuration.logLevel)
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        if onlyIfEmpty, try !database.isCatalogEmpty() {
            print("Demo data: the catalogue already has products; nothing added.")
            return
        }
        let now = Date()
        let report = try database.seedDemoData(now: now)
        print(
            "Demo data: \(report.categoriesAdded) categories and \(report.productsAdded) products added; \(try database.productCount()) products in the catalogue."
        )
        guard !catalogOnly else { return }
        let credentialsFile = DemoCredentialsFile(dataDirectory: configuration.dataDirectory)
        let credentials = try credentialsFile.loadOrCreate()
        let shop = try await seedDemoShop(configuration: configuration, database: database, credentials: credentials, now: now, logger: logger)
        if shop.alreadySeeded {
            print("Demo shop: already seeded; nothing added.")
        } else {
            print(
                "Demo shop: \(shop.accountsAdded) accounts, \(shop.vouchersAdded) vouchers, \(shop.ordersPlaced) orders, "
                    + "\(shop.reviewsAdded) reviews and \(shop.salesAdded) flash sales added; the upcoming sale opens at "
                    + "\(shop.anchor.addingTimeInterval(120).formatted(.iso8601))."
            )
        }
        print("Demo sign-in: \(credentials.adminEmail), password in \(credentialsFile.path)")
    }
}
