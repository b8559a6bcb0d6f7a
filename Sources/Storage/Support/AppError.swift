/// A failure the shop explains to its caller: a stable machine-readable code, a human message,
/// and optional per-field details. Web maps each code to one HTTP status and the error envelope.
public struct AppError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable codes clients may switch on.
    public enum Code: String, Sendable, CaseIterable {
        case validationFailed = "validation_failed"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case conflict
        case soldOut = "sold_out"
        case limitExceeded = "limit_exceeded"
        case notActive = "not_active"
        case rateLimited = "rate_limited"
        case payloadTooLarge = "payload_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case unprocessable
        case unavailable
        /// The shared stock ledger (Redis, in cluster mode) cannot be reached: try again after `Retry-After`.
        case stockUnavailable = "stock_unavailable"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String
    /// Field name → what is wrong with it.
    public var fields: [String: String]
    /// Seconds a rate-limited caller should wait.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, fields: [String: String] = [:], retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func validation(_ message: String, fields: [String: String] = [:]) -> AppError {
        AppError(.validationFailed, message, fields: fields)
    }

    public static func notFound(_ what: String) -> AppError {
        AppError(.notFound, "\(what) was not found.")
    }
}
