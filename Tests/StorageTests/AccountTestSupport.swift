import Foundation
import Synchronization
import Testing

@testable import Storage

/// A mailer that keeps what it was asked to send, for assertions.
final class RecordingMailer: Mailer {
    private let sent = Mutex<[MailMessage]>([])

    var messages: [MailMessage] { sent.withLock { $0 } }

    func send(_ message: MailMessage) async throws {
        sent.withLock { $0.append(message) }
    }
}

/// An account service over a fresh in-memory database, bcrypt at the lowest cost, and a manual clock.
struct AccountFixture {
    let database: AppDatabase
    let clock: ManualClock
    let mailer: RecordingMailer
    let jobs: JobQueue
    let workers: JobWorkers
    let accounts: AccountService

    init() throws {
        database = try AppDatabase.inMemory()
        clock = ManualClock()
        mailer = RecordingMailer()
        jobs = JobQueue(database: database, clock: clock)
        workers = JobWorkers(
            queue: jobs,
            handlers: [EmailJobHandler(database: database, mailer: mailer, clock: clock, shopURL: "https://shop.example")],
            queues: [.init(name: EmailJob.queue, concurrency: 1)]
        )
        accounts = AccountService(
            database: database,
            hasher: BcryptPasswordHasher(cost: 4),
            jobs: jobs,
            clock: clock,
            settings: AccountSettings(publicBaseURL: "https://shop.example")
        )
    }

    func registerCustomer(_ email: String = "lan@example.vn", password: String = "banhmi2024") async throws -> User {
        try await accounts.register(email: email, password: password, name: "Lan", phone: nil)
    }

    /// Runs the queued email jobs and returns every email sent so far.
    func deliveredMail() async throws -> [MailMessage] {
        try await workers.drain(queue: EmailJob.queue)
        return mailer.messages
    }

    /// The reset token from the last password-reset email, as the link carries it.
    func lastResetToken() async throws -> String {
        let body = try #require(try await deliveredMail().last { $0.subject == EmailTemplate.passwordReset.subject }?.textBody)
        let marker = "#token="
        let start = try #require(body.range(of: marker)).upperBound
        return String(body[start...].prefix { !$0.isWhitespace })
    }
}
