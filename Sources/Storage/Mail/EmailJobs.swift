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

/// Sends `email` and `order-email` jobs through the configured mailer (an `order-email` job's email is written from the
/// stored order when it runs, ``OrderEmailJob``).
///
/// A Message-ID that was already handed to the transport is recorded in `sentEmail` right after the send, in the
/// same transaction as the job's completion when a worker runs it (one commit per email after the send), so a job
/// retried after a successful send (that commit was lost to a crash, or the claim had expired meanwhile) does not
/// send the email a second time.
public struct EmailJobHandler: CompletingJobHandler {
    public let kinds = [EmailJob.kind, OrderEmailJob.kind]
    let database: AppDatabase
    let mailer: any Mailer
    let clock: any AppClock
    /// The shop's public address, for the links in order emails.
    let shopURL: String

    public init(database: AppDatabase, mailer: any Mailer, clock: any AppClock, shopURL: String) {
        self.database = database
        self.mailer = mailer
        self.clock = clock
        self.shopURL = shopURL
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
        guard let email = try await unsentEmail(of: job) else { return }
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

    /// The email a job asks for, or nil when its Message-ID was sent already. An `order-email` job's email is written
    /// from the stored order and customer in the same read that checks it was not sent; an order that is not there
    /// fails the job for good.
    private func unsentEmail(of job: Job) async throws -> EmailJob? {
        guard job.kind == OrderEmailJob.kind else {
            let email = try Self.payload(of: job, as: EmailJob.self)
            let sent = try await database.read { db in try Self.wasSent(db, messageID: email.messageID) }
            return sent ? nil : email
        }
        let event = try Self.payload(of: job, as: OrderEmailJob.self)
        let shopURL = self.shopURL
        let found: (sent: Bool, email: EmailJob?) = try await database.read { db in
            if try Self.wasSent(db, messageID: event.messageID) { return (true, nil) }
            return (false, try event.email(db, shopURL: shopURL))
        }
        if found.sent { return nil }
        guard let email = found.email else { throw PermanentJobError("order \(event.orderID) not found") }
        return email
    }

    private static func payload<Payload: Decodable>(of job: Job, as type: Payload.Type) throws -> Payload {
        do {
            return try job.decodePayload(type)
        } catch {
            throw PermanentJobError("malformed email payload: \(error)")
        }
    }

    private static func wasSent(_ db: Database, messageID: String) throws -> Bool {
        // Cached statement: compiled once per connection, not once per email.
        let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM sentEmail WHERE messageId = ?)")
        return try Bool.fetchOne(statement, arguments: [messageID]) ?? false
    }
}
