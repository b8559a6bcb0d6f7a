/// Why a Redis command did not get a reply. Callers answer 503 for every case except `.server`.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be read (`REDIS_URL`).
    case invalidURL(String)
    /// A connection could not be opened (refused, unreachable, or AUTH/SELECT refused).
    case connectionFailed(String)
    /// The connection broke or timed out while a command was in flight; it was discarded.
    case io(String)
    /// Connecting failed recently: the client refuses at once until the backoff delay has passed.
    case unavailable
    /// The server answered with an error reply.
    case server(String)
    /// The reply did not have the shape the caller expected.
    case unexpectedReply(String)
    /// The client was closed.
    case closed

    public var description: String {
        switch self {
        case .invalidURL(let detail): "invalid Redis URL: \(detail)"
        case .connectionFailed(let detail): "cannot connect to Redis: \(detail)"
        case .io(let detail): "Redis connection lost: \(detail)"
        case .unavailable: "Redis is unavailable (reconnecting after a backoff)"
        case .server(let message): "Redis error: \(message)"
        case .unexpectedReply(let detail): "unexpected Redis reply: \(detail)"
        case .closed: "the Redis client is closed"
        }
    }
}
