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

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Decodes the payload.
    public func decodePayload<Payload: Decodable>(_ type: Payload.Type) throws -> Payload {
        try JSONDecoder.jobs.decode(type, from: Data(payload.utf8))
    }
}

extension Job {
    /// The table's columns in their stored order (`SELECT *`, the claim's `RETURNING`).
    static let columns = [
        "id", "queue", "kind", "payload", "idempotencyKey", "priority", "status", "attempts", "maxAttempts", "runAt", "leaseToken",
        "leaseExpiresAt", "lastError", "createdAt", "updatedAt", "completedAt",
    ]

    /// Read by hand, not through `Decodable`: a claim decodes every job it leases, and GRDB's keyed decoding (a column
    /// lookup by name per field, dates through `DateComponents` and a calendar) was 6 % of the email workers' CPU.
    /// Columns are taken by position when the row has exactly ``columns``, by name otherwise; dates through
    /// ``DatabaseTimestamp/date(_:)`` (GRDB's value for every text GRDB reads).
    public init(row: Row) throws {
        try self.init(row: row, inOrder: row.count == Self.columns.count && row.columnNames.elementsEqual(Self.columns))
    }

    /// `inOrder`: the row's columns are ``columns`` (the caller checked its statement once, not once per row).
    /// Text and integers are taken from the stored value as they are; any other storage goes through GRDB's decoding
    /// (its conversions, and its error when there is none).
    init(row: Row, inOrder: Bool) throws {
        let names = Self.columns
        func value(_ position: Int) -> DatabaseValue {
            inOrder ? row[position] as DatabaseValue : (row[names[position]] as DatabaseValue?) ?? .null
        }
        func decode<Value: DatabaseValueConvertible>(_ position: Int, as type: Value.Type = Value.self) throws -> Value {
            inOrder ? try row.decode(Value.self, atIndex: position) : try row.decode(Value.self, forColumn: names[position])
        }
        func text(_ position: Int) throws -> String? {
            let stored = value(position)
            if case .string(let text) = stored.storage { return text }
            return stored.isNull ? nil : try decode(position, as: String.self)
        }
        func integer(_ position: Int) throws -> Int64? {
            let stored = value(position)
            if case .int64(let integer) = stored.storage { return integer }
            return stored.isNull ? nil : try decode(position, as: Int64.self)
        }
        // NULL is nil; a text GRDB could not read either throws GRDB's own error.
        func date(_ position: Int) throws -> Date? {
            let stored = value(position)
            if stored.isNull { return nil }
            return try DatabaseTimestamp.date(stored) ?? decode(position, as: Date.self)
        }
        // A NULL where a value is required throws GRDB's error.
        func required<Value>(_ found: Value?, _ position: Int, as type: Value.Type) throws -> Value where Value: DatabaseValueConvertible {
            try found ?? decode(position, as: Value.self)
        }
        id = try integer(0)
        queue = try required(text(1), 1, as: String.self)
        kind = try required(text(2), 2, as: String.self)
        payload = try required(text(3), 3, as: String.self)
        idempotencyKey = try text(4)
        priority = Int(try required(integer(5), 5, as: Int64.self))
        let statusText = try required(text(6), 6, as: String.self)
        guard let status = JobStatus(rawValue: statusText) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown job status \(statusText)"))
        }
        self.status = status
        attempts = Int(try required(integer(7), 7, as: Int64.self))
        maxAttempts = Int(try required(integer(8), 8, as: Int64.self))
        runAt = try required(date(9), 9, as: Date.self)
        leaseToken = try text(10)
        leaseExpiresAt = try date(11)
        lastError = try text(12)
        createdAt = try required(date(13), 13, as: Date.self)
        updatedAt = try required(date(14), 14, as: Date.self)
        completedAt = try date(15)
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
        self.queue = queue
        self.kind = kind
        self.payload = String(decoding: try JSONEncoder.jobs.encode(payload), as: UTF8.self)
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
