import ArgumentParser
import Storage

/// `klelite seed-demo`: fill the catalogue with the demo bakery (idempotent).
struct SeedDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Add the demo bakery's categories and products that are not there yet."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(name: .customLong("only-if-empty"), help: "Seed only a shop whose catalogue is empty (what `make run` uses).")
    var onlyIfEmpty = false

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        if onlyIfEmpty, try !database.isCatalogEmpty() {
            print("Demo data: the catalogue already has products; nothing added.")
            return
        }
        let report = try database.seedDemoData(now: SystemClock().now())
        print(
            "Demo data: \(report.categoriesAdded) categories and \(report.productsAdded) products added; \(try database.productCount()) products in the catalogue."
        )
    }
}
