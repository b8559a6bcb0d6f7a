import ArgumentParser
import Foundation
import Logging
import Storage

/// `klelite create-admin`: creates an administrator, or makes an existing account one with a new password.
struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create an administrator account (or promote an existing one and set its password)."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "The administrator's email address.")
    var email: String

    @Option(help: "The password (prefer --password-stdin: command lines are visible to other users).")
    var password: String?

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @Option(help: "Display name for a new account.")
    var name = "Administrator"

    func validate() throws {
        guard (password != nil) != passwordStdin else {
            throw ValidationError("Give the password with exactly one of --password or --password-stdin.")
        }
    }

    func run() async throws {
        let configuration = try options.resolveConfiguration()
        let logger = bootstrapLogging(level: configuration.logLevel)
        let secret = password ?? (readLine(strippingNewline: true) ?? "")
        let database = try AppDatabase.open(directory: configuration.dataDirectory)
        defer { try? database.close() }
        // Accounts alone: no secrets, no ledger, no mailer (the account's emails wait in the queue for the server).
        let clock = SystemClock()
        let accounts = Shop.makeAccounts(
            database: database,
            clock: clock,
            jobs: JobQueue(database: database, clock: clock),
            bcryptCost: configuration.bcryptCost,
            publicBaseURL: configuration.publicBaseURL,
            logger: logger
        )
        do {
            let (user, created) = try await accounts.createAdmin(email: email, password: secret, name: name)
            print(
                created
                    ? "Created administrator \(user.email)." : "\(user.email) is now an administrator with the new password; its sessions were ended."
            )
        } catch let error as AppError {
            let details = error.fields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            FileHandle.standardError.write(Data("klelite: \(error.message)\(details.isEmpty ? "" : " (\(details))")\n".utf8))
            throw ExitCode(65)
        }
    }
}
