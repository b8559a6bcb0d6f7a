import ArgumentParser
import Foundation
import Logging
import Storage

/// `klelite seed-demo`: fill the shop with the demo bakery — its catalogue, and (unless `--catalog-only`)
/// accounts, order history, reviews, vouchers and flash sales. Idempotent. The full demo writes its history on a
/// clock of its own (forty days up to now), so it refuses to run beside a server that holds `DATA_DIR`'s lock: that
/// server's sale clock would see the demo's sales mid-walk. `--catalog-only` and `--flash-sale` work on real time and
/// may run beside a live server, which picks new sales up from the database within a second.
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

    @Flag(name: .customLong("flash-sale"), help: "Also open a new demo flash sale of three cakes for the next two hours.")
    var flashSale = false

    /// The cakes of the `--flash-sale` sale.
    static let flashSaleProducts = ["croissant-bo-phap", "pain-au-chocolat", "banh-kem-dau-tay"]

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let logger = bootstrapLogging(level: configuration.logLevel)
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        if onlyIfEmpty, try !database.isCatalogEmpty() {
            print("Demo data: the catalogue already has products; nothing added.")
        } else if catalogOnly {
            try seedCatalog(database: database)
        } else {
            let lock = try await claimDataDirectory(configuration)
            defer { lock.release() }
            try await seed(configuration, database: database, logger: logger)
        }
        if flashSale { try await openDemoFlashSale(configuration, database: database) }
    }

    /// The full demo's claim on `DATA_DIR`, held while it seeds; a running server holds it, so the demo is refused
    /// with one line and EX_TEMPFAIL (75), before anything is written.
    private func claimDataDirectory(_ configuration: ApplianceConfiguration) async throws -> DataDirectoryLock {
        do {
            return try await DataDirectoryLock.acquire(directory: configuration.dataDirectory)
        } catch let busy as DataDirectoryLock.Busy {
            let holder = busy.holderPID.map { "PID \($0)" } ?? "PID unknown"
            FileHandle.standardError.write(
                Data(
                    ("klelite: seed-demo cannot run beside the klelite serve that holds DATA_DIR \(busy.directory) (\(holder)): "
                        + "the demo's history is written on its own clock and would race the server's sale clock. Stop the server, "
                        + "run seed-demo, then start it again (--catalog-only and --flash-sale may run beside it).\n").utf8
                )
            )
            throw ExitCode(75)
        }
    }

    private func seedCatalog(database: AppDatabase, now: Date = Date()) throws {
        let report = try database.seedDemoData(now: now)
        print(
            "Demo data: \(report.categoriesAdded) categories and \(report.productsAdded) products added; \(try database.productCount()) products in the catalogue."
        )
    }

    private func seed(_ configuration: ApplianceConfiguration, database: AppDatabase, logger: Logger) async throws {
        let now = Date()
        try seedCatalog(database: database, now: now)
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

    private func openDemoFlashSale(_ configuration: ApplianceConfiguration, database: AppDatabase) async throws {
        var logger = Logger(label: "klelite.seed-demo")
        logger.logLevel = .warning
        // The command verifies no webhook, so the shop it builds needs no webhook secret.
        let services = try Shop(configuration: configuration, database: database, clock: SystemClock(), paymentWebhookSecret: "", logger: logger)
        var items: [FlashSaleDraft.Item] = []
        for slug in Self.flashSaleProducts {
            guard let product = try? await services.catalog.product(idOrSlug: slug).value, product.stock > 0, product.price >= 2000 else { continue }
            // About 30% off, in whole thousands; at most 5 units, never more than the shelf holds.
            let salePrice = product.price * 7 / 10 / 1000 * 1000
            items.append(.init(productId: product.id, salePrice: salePrice, quantity: min(5, product.stock), perUserLimit: 2))
        }
        let now = services.clock.now()
        let sale = try await services.flashSales.create(
            FlashSaleDraft(
                name: "Giờ vàng demo",
                description: "Ba chiếc bánh được yêu thích nhất, giảm 30% trong hai giờ.",
                startsAt: now,
                endsAt: now.addingTimeInterval(2 * 3600),
                items: items
            )
        )
        print("Demo flash sale \(sale.slug) (\(sale.id)) is open with \(sale.items.count) items until \(sale.endsAt).")
    }
}
