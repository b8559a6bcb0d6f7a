import ArgumentParser
import Foundation
import Storage

/// `klelite backup --to FILE`: an online, consistent copy of the database, safe while serving.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a consistent copy of the database to a file, even while the shop is serving.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("to"), help: "Destination file.")
    var destination: String

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        let report = try database.backup(to: destination)
        print("Backup written to \(report.path) (\(report.bytes) bytes, integrity_check: \(report.integrity)).")
    }
}
