import ArgumentParser
import Storage

/// `klelite migrate`: bring the database schema up to date and list what is applied.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        let applied = try database.appliedMigrations()
        print("Database \(database.path ?? "(memory)") is at \(applied.last ?? "no migration") (\(applied.count) migrations applied).")
    }
}
