import Foundation
import GRDB

/// Where a job is in its life: `queued → running → completed`, or back to `queued` to retry, or `dead`.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case completed
    case dead
}

/// A unit of background work stored in the `job` table.
public struct Job: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job"

    public var id: Int64?
    public var queue: String
    public var kind: String
    /// JSON.
    public var payload: String
    public var idempotencyKey: String?
    public var priority: Int
    public var status: JobStatus
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    /// Proves which claim owns the job while it runs; a stale worker's token no longer matches.
    public var leaseToken: String?
    public var leaseExpiresAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    /// The table's dates are milliseconds since 1970 (``JobTime``).
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .millisecondsSince1970 }

    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .custom { JobTime.value($0) } }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Decodes the payload.
    public func decodePayload<Payload: Decodable>(_ type: Payload.Type) throws -> Payload {
        try JSONDecoder.jobs.decode(type, from: Data(payload.utf8))
    }
}

/// What a caller asks to run later.
public struct JobRequest: Sendable {
    public var queue: String
    public var kind: String
    public var payload: String
    /// At most one job per kind and key: enqueueing the same key again is a no-op.
    public var idempotencyKey: String?
    /// Higher runs first.
    public var priority: Int
    /// Not before this moment; nil means now.
    public var runAt: Date?
    public var maxAttempts: Int

    public init<Payload: Encodable>(
        queue: String,
        kind: String,
        payload: Payload,
        idempotencyKey: String? = nil,
        priority: Int = 0,
        runAt: Date? = nil,
        maxAttempts: Int = 8
    ) throws {
        self.init(
            queue: queue,
            kind: kind,
            encodedPayload: String(decoding: try JSONEncoder.jobs.encode(payload), as: UTF8.self),
            idempotencyKey: idempotencyKey,
            priority: priority,
            runAt: runAt,
            maxAttempts: maxAttempts
        )
    }

    /// A job whose payload is already JSON, as ``Foundation/JSONEncoder/jobs`` writes it (see ``FlatJSONWriter``).
    init(
        queue: String,
        kind: String,
        encodedPayload: String,
        idempotencyKey: String? = nil,
        priority: Int = 0,
        runAt: Date? = nil,
        maxAttempts: Int = 8
    ) {
        self.queue = queue
        self.kind = kind
        self.payload = encodedPayload
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
    }
}

extension JSONEncoder {
    static var jobs: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

extension JSONDecoder {
    static var jobs: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
