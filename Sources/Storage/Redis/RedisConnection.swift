import CHiredis
import Foundation

/// One blocking hiredis connection. Every method blocks its thread: call them from the client's own
/// thread pool or the subscriber's thread, never from an event loop or the cooperative pool.
///
/// Not thread-safe: one caller at a time (each connection belongs to one lane's thread, or to the subscriber's).
/// Once `isBroken` is true (I/O error or timeout) hiredis cannot use the context again.
final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    private(set) var isBroken = false

    private init(context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit { redisFree(context) }

    /// hiredis writes with `write(2)`: a write to a connection the server closed would raise SIGPIPE and
    /// kill the process, so it is ignored once for the whole process (the write then fails with EPIPE).
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Opens a connection, sets the command timeout, then authenticates and selects the database.
    static func open(_ configuration: RedisConfiguration) throws -> RedisConnection {
        Self.ignoreBrokenPipes
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), makeTimeval(configuration.connectTimeout)) else {
            throw RedisError.connectionFailed("out of memory")
        }
        guard context.pointee.err == 0 else {
            let message = Self.errorString(context)
            redisFree(context)
            throw RedisError.connectionFailed("\(configuration.host):\(configuration.port): \(message)")
        }
        let connection = RedisConnection(context: context)
        // TCP keepalive (idle 15 s, then probes): a peer that vanished without closing is noticed even by a connection
        // that only waits, like the subscriber's, whose read has no timeout.
        guard redisEnableKeepAlive(context) == REDIS_OK else {
            throw RedisError.connectionFailed("cannot enable TCP keepalive: \(Self.errorString(context))")
        }
        guard redisSetTimeout(context, makeTimeval(configuration.commandTimeout)) == REDIS_OK else {
            throw RedisError.connectionFailed("cannot set the command timeout: \(Self.errorString(context))")
        }
        if let password = configuration.password {
            let auth = configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try connection.send(auth) { throw RedisError.connectionFailed("AUTH refused: \(message)") }
        }
        if configuration.database != 0, case .error(let message) = try connection.send(["SELECT", String(configuration.database)]) {
            throw RedisError.connectionFailed("SELECT \(configuration.database) refused: \(message)")
        }
        return connection
    }

    /// Sends one command and waits for its reply. An error reply is returned, not thrown;
    /// a broken connection or a timeout throws `RedisError.io` and marks the connection broken.
    func send(_ arguments: [String]) throws -> RedisReply {
        try append(arguments)
        return try receive()
    }

    /// Queues one command in the output buffer (sent by the next `receive`).
    func append(_ arguments: [String]) throws {
        guard !isBroken else { throw RedisError.io("the connection is broken") }
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            offsets.append(bytes.count)
            lengths.append(argument.utf8.count)
            bytes.append(contentsOf: argument.utf8)
        }
        bytes.append(0)  // a non-empty buffer even when every argument is empty
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return REDIS_ERR }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                var argv: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(chars + $0) }
                return argv.withUnsafeMutableBufferPointer { argvBuffer in
                    lengths.withUnsafeBufferPointer { lengthBuffer in
                        redisAppendCommandArgv(context, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
                    }
                }
            }
        }
        guard status == REDIS_OK else { throw brokenError() }
    }

    /// Flushes queued commands and waits for the next reply (also how a subscriber reads its messages).
    func receive() throws -> RedisReply {
        guard !isBroken else { throw RedisError.io("the connection is broken") }
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw brokenError() }
        defer { freeReplyObject(raw) }
        return Self.copy(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Whether the server is still at the other end, asked without waiting (a peek at the socket): false when it closed
    /// the connection (a restarted Redis), reset it, or sent something no command asked for. Checked before a batch is
    /// written on a connection that sat idle, so a restart costs no command on the connections it left stale.
    var peerIsOpen: Bool {
        guard !isBroken else { return false }
        var byte: UInt8 = 0
        let received = recv(context.pointee.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if received < 0, errno == EAGAIN || errno == EWOULDBLOCK { return true }
        isBroken = true
        return false
    }

    /// The socket, so that another thread can `shutdown(2)` it to wake a blocked `receive`.
    var fileDescriptor: Int32 { context.pointee.fd }

    private func brokenError() -> RedisError {
        isBroken = true
        return .io(Self.errorString(context))
    }

    private static func copy(_ reply: UnsafePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_INTEGER: return .integer(Int(value.integer))
        case REDIS_REPLY_STRING: return .bulk(text(value))
        case REDIS_REPLY_STATUS: return .status(text(value))
        case REDIS_REPLY_ERROR: return .error(text(value))
        case REDIS_REPLY_ARRAY:
            guard let elements = value.element else { return .array([]) }
            return .array((0..<value.elements).compactMap { elements[$0] }.map { copy($0) })
        default: return .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard let pointer = reply.str else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: reply.len)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

private func makeTimeval(_ duration: Duration) -> timeval {
    let (seconds, attoseconds) = duration.components
    return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}
