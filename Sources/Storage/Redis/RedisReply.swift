/// One reply of the Redis server (RESP2), copied out of hiredis' reply object.
public enum RedisReply: Sendable, Equatable {
    case integer(Int)
    /// A bulk string (binary data is decoded as UTF-8 with replacement; the shop only stores text).
    case bulk(String)
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    case array([RedisReply])
    /// An error the server answered with (`ERR …`, `NOSCRIPT …`, `WRONGTYPE …`); the connection stays usable.
    case error(String)
    /// The nil bulk or nil array (a missing key).
    case null

    /// The integer of an integer reply, or of a bulk string that holds one (`HGET` of a counter).
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk(let text): Int(text)
        default: nil
        }
    }

    /// The text of a bulk or status reply.
    public var string: String? {
        switch self {
        case .bulk(let text), .status(let text): text
        default: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}
