import Foundation
import GRDB

/// The payload of an `email` job: which template, for whom, with what values, under which Message-ID.
public struct EmailJob: Codable, Sendable, Equatable {
    public var messageID: String
    public var to: String
    public var template: EmailTemplate
    public var values: [String: String]

    public init(messageID: String = UUID().uuidString.lowercased(), to: String, template: EmailTemplate, values: [String: String]) {
        self.messageID = messageID
        self.to = to
        self.template = template
        self.values = values
    }

    public static let kind = "email"
    public static let queue = "email"

    /// The job request; the Message-ID doubles as the idempotency key.
    public func request(priority: Int = 0) throws -> JobRequest {
        try JobRequest(queue: Self.queue, kind: Self.kind, payload: self, idempotencyKey: messageID, priority: priority, maxAttempts: 10)
    }
}

/// Sends `email` jobs through the configured mailer.
///
/// A Message-ID that was already handed to the transport is recorded in `sentEmail` right after the send, in the
/// same transaction as the job's completion when a worker runs it (one commit per email after the send), so a job
/// retried after a successful send (that commit was lost to a crash, or the claim had expired meanwhile) does not
/// send the email a second time.
public struct EmailJobHandler: CompletingJobHandler {
    public let kinds = [EmailJob.kind]
    let database: AppDatabase
    let mailer: any Mailer
    let clock: any AppClock

    public init(database: AppDatabase, mailer: any Mailer, clock: any AppClock) {
        self.database = database
        self.mailer = mailer
        self.clock = clock
    }

    /// Reset links are secrets: once sent, the job forgets them.
    public var scrubsPayloadOnCompletion: Bool { true }

    public func run(_ job: Job) async throws {
        try await send(job, completion: nil)
    }

    func run(_ job: Job, completion: JobCompletion) async throws {
        try await send(job, completion: completion)
    }

    /// Sends the job's email unless its Message-ID was sent already; records the send (and, with `completion`, the
    /// job's completion) in one transaction.
    private func send(_ job: Job, completion: JobCompletion?) async throws {
        let email: EmailJob
        do {
            email = try job.decodePayload(EmailJob.self)
        } catch {
            throw PermanentJobError("malformed email payload: \(error)")
        }
        let alreadySent = try await database.read { db in
            // Cached statements: compiled once per connection, not once per email.
            let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM sentEmail WHERE messageId = ?)")
            return try Bool.fetchOne(statement, arguments: [email.messageID]) ?? false
        }
        guard !alreadySent else { return }
        do {
            try await mailer.send(try email.template.render(id: email.messageID, to: email.to, values: email.values))
        } catch let error as SMTPError where error.isPermanent {
            throw PermanentJobError(error.description)
        }
        let now = DatabaseTimestamp.value(clock.now())
        try await database.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO sentEmail (messageId, sentAt) VALUES (?, ?)")
            try insert.execute(arguments: [email.messageID, now])
            try completion?.record(db)
        }
    }
}
