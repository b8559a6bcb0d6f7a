import Foundation
import Hummingbird
import Logging
import Storage

/// Turns every failure into the API's error envelope,
/// `{"error": {"code", "message", "fields", "requestId"}}`, with the matching status.
///
/// Domain errors (``AppError``) keep their code and message; framework errors keep their status;
/// anything else is logged with the request id and answered as a 500 that shows no internals.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, context: context)
        }
    }

    /// The envelope answer for any error a request ended with (logged when it is ours to fix).
    static func response(for error: any Error, context: Context) -> Response {
        response(for: error, context: context, requestID: context.id)
    }

    /// The same, with the request id (`context.id`) already formatted: Hummingbird formats it afresh on every read, and
    /// the shop's edge formats it once for the envelope and the `X-Request-Id` header (``RequestEdgeMiddleware``).
    static func response(for error: any Error, context: Context, requestID: String) -> Response {
        // A line about this request names its client (the shop's contexts add it only when a line is written).
        var logger: Logger { (context as? any AppRequestContextProtocol)?.requestLogger ?? context.logger }
        switch error {
        case let error as AppError:
            if error.code == .internalError {
                logger.error("request failed", metadata: ["error": "\(error)"])
            }
            return response(for: error, requestID: requestID)
        case let error as RedisError:
            // Cluster mode with Redis unreachable: refuse (never fall back to local counts) and say when to retry.
            logger.warning("Redis unavailable", metadata: ["error": "\(error)"])
            return response(for: stockUnavailable, requestID: requestID)
        case let error as any HTTPResponseError:
            return response(for: appError(from: error), requestID: requestID)
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            let appError = AppError(.internalError, "Something went wrong on our side. Quote request id \(requestID) if it persists.")
            return response(for: appError, requestID: requestID)
        }
    }

    /// What a request that needs the shared stock ledger gets while Redis is unreachable.
    static var stockUnavailable: AppError {
        AppError(.stockUnavailable, "Flash-sale stock is briefly unavailable. Try again in a moment.", retryAfter: 2)
    }

    /// The HTTP status for each domain error code.
    public static func status(for code: AppError.Code) -> HTTPResponse.Status {
        switch code {
        case .validationFailed: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .soldOut, .limitExceeded, .notActive: .conflict
        case .rateLimited: .tooManyRequests
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .unprocessable: .unprocessableContent
        case .unavailable, .stockUnavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    static func appError(from error: any HTTPResponseError) -> AppError {
        let message = (error as? HTTPError)?.body
        switch error.status {
        case .badRequest: return .validation(message ?? "The request is not valid.")
        case .unauthorized: return AppError(.unauthorized, message ?? "Sign in to continue.")
        case .forbidden: return AppError(.forbidden, message ?? "You may not do this.")
        case .notFound: return AppError(.notFound, message ?? "No such resource.")
        case .methodNotAllowed: return AppError(.notFound, message ?? "No such route for this method.")
        case .contentTooLarge: return AppError(.payloadTooLarge, message ?? "The request body is too large.")
        case .unsupportedMediaType: return AppError(.unsupportedMediaType, message ?? "Unsupported content type.")
        case .tooManyRequests: return AppError(.rateLimited, message ?? "Too many requests.")
        case .conflict: return AppError(.conflict, message ?? "Conflict.")
        default:
            if error.status.code >= 500 {
                return AppError(.internalError, "Something went wrong on our side.")
            }
            return AppError(.validationFailed, message ?? error.status.reasonPhrase)
        }
    }

    static func response(for error: AppError, requestID: String) -> Response {
        let body = ErrorEnvelopeWriter.buffer(code: error.code.rawValue, message: error.message, fields: error.fields, requestID: requestID)
        var headers = ErrorEnvelopeWriter.headers
        if let retryAfter = error.retryAfter {
            headers[.retryAfter] = String(max(1, retryAfter))
        }
        return Response(status: status(for: error.code), headers: headers, body: .init(byteBuffer: body))
    }
}

/// The body of every error response.
struct ErrorEnvelope: Codable, Sendable {
    struct Detail: Codable, Sendable {
        let code: String
        let message: String
        let fields: [String: String]?
        let requestId: String
    }

    let error: Detail
}
