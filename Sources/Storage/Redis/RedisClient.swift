import Logging
import NIOPosix
import Synchronization

/// A small pool of hiredis connections. Commands are blocking hiredis calls, so they run on the client's
/// own threads (one per connection), never on an event loop or the cooperative pool.
///
/// A connection that breaks or times out is dropped together with the idle ones (after a Redis restart
/// they are all stale); the next command opens a new one. When opening fails, the client refuses at once
/// with `RedisError.unavailable` until the backoff delay has passed, so callers fail fast (503) while
/// Redis is down and recover without a restart when it returns. A command is never retried: a reply lost
/// after the server ran it must not run it twice.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let state: Mutex<PoolState>
    private let logger: Logger

    private struct PoolState {
        var idle: [RedisConnection] = []
        var permits: Int
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var failures = 0
        var retryAt: ContinuousClock.Instant?
        var closed = false
    }

    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "klelite.redis")) {
        self.configuration = configuration
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        threads.start()
        state = Mutex(PoolState(permits: configuration.maxConnections))
    }

    /// Sends one command. Error replies are returned as `.error`, not thrown.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await withConnection { try $0.send(arguments) }
    }

    /// Runs a script by `EVALSHA`, and by `EVAL` if the server does not have it; an error reply throws `.server`.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        let tail = [String(keys.count)] + keys + arguments
        return try await withConnection { connection in
            var reply = try connection.send(["EVALSHA", script.sha1] + tail)
            if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
                reply = try connection.send(["EVAL", script.source] + tail)
            }
            if case .error(let message) = reply { throw RedisError.server(message) }
            return reply
        }
    }

    /// True when Redis answers `PING` (for `/readyz`).
    public func isReachable() async -> Bool {
        (try? await send(["PING"])) == .status("PONG")
    }

    /// Closes the idle connections, fails waiting commands and stops the threads.
    public func close() async {
        let waiters = state.withLock { state in
            state.closed = true
            state.idle.removeAll()
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: RedisError.closed) }
        try? await threads.shutdownGracefully()
    }

    /// Lends a connection to `body` on one of the client's threads.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        try await acquirePermit()
        var lent = state.withLock { $0.idle.popLast() }
        do {
            if lent == nil { lent = try await connect() }
            guard let connection = lent else { throw RedisError.unavailable }
            let result = try await threads.runIfActive { try body(connection) }
            releasePermit(returning: connection)
            return result
        } catch {
            releasePermit(returning: lent)
            throw error
        }
    }

    private func acquirePermit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let granted: Bool? = state.withLock { state in
                if state.closed { return nil }
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            switch granted {
            case nil: continuation.resume(throwing: RedisError.closed)
            case true?: continuation.resume()
            case false?: break
            }
        }
    }

    private func releasePermit(returning connection: RedisConnection?) {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if let connection {
                if connection.isBroken {
                    state.idle.removeAll()
                } else if !state.closed {
                    state.idle.append(connection)
                }
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.permits += 1
            return nil
        }
        next?.resume()
    }

    private func connect() async throws -> RedisConnection {
        let now = ContinuousClock.now
        let waiting = state.withLock { state in state.retryAt.map { now < $0 } ?? false }
        if waiting { throw RedisError.unavailable }
        let configuration = configuration
        do {
            let connection = try await threads.runIfActive { try RedisConnection.open(configuration) }
            let recovered = state.withLock { state in
                defer { (state.failures, state.retryAt) = (0, nil) }
                return state.failures > 0
            }
            if recovered { logger.info("Redis reachable again", metadata: ["host": "\(configuration.host):\(configuration.port)"]) }
            return connection
        } catch {
            let delay = state.withLock { state in
                state.failures += 1
                let delay = configuration.backoff.delay(afterFailures: state.failures)
                state.retryAt = ContinuousClock.now + delay
                return delay
            }
            logger.warning("Redis connection failed", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
            throw error
        }
    }
}
