import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Synchronization

/// A few pipelined hiredis connections. Commands are blocking hiredis calls, so each connection has a lane of its own
/// (``RedisLane``, one thread), never an event loop or the cooperative pool. A lane sends every command queued while
/// it waited as one batch — one write, the replies read in order — so under load a command costs one thread hand-off
/// per batch rather than per command, and the number of connections no longer caps the commands in flight.
///
/// A connection that breaks or times out fails the commands of its batch and is dropped together with the other
/// lanes' (after a Redis restart they are all stale); the next command opens a new one. When opening fails, the client
/// refuses at once with `RedisError.unavailable` until the backoff delay has passed, so callers fail fast (503) while
/// Redis is down and recover without a restart when it returns. A command is never retried: a reply lost after the
/// server ran it must not run it twice.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let lanes: [RedisLane]
    private let nextLane = Atomic<Int>(0)

    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "klelite.redis")) {
        self.configuration = configuration
        let connector = RedisConnector(configuration: configuration, logger: logger)
        lanes = (0..<configuration.maxConnections).map { _ in RedisLane(connector: connector) }
        threads = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        threads.start()
        for lane in lanes { threads.submit { _ in lane.run() } }
    }

    /// Sends one command. Error replies are returned as `.error`, not thrown.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        let lane = lanes[nextLane.wrappingAdd(1, ordering: .relaxed).oldValue % lanes.count]
        return try await withCheckedThrowingContinuation { lane.submit(arguments, $0) }
    }

    /// Runs a script by `EVALSHA`, and by `EVAL` if the server does not have it; an error reply throws `.server`.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        let tail = [String(keys.count)] + keys + arguments
        var reply = try await send(["EVALSHA", script.sha1] + tail)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            reply = try await send(["EVAL", script.source] + tail)
        }
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// True when Redis answers `PING` (for `/readyz`).
    public func isReachable() async -> Bool {
        (try? await send(["PING"])) == .status("PONG")
    }

    /// Fails the commands not sent yet, lets each lane finish the batch it is on, and stops the threads.
    public func close() async {
        for lane in lanes { lane.close() }
        try? await threads.shutdownGracefully()
    }
}

/// Opens connections for every lane of a client, with one backoff between them, and tells each lane when another
/// found the server gone (``connectionBroke(generation:)``), so it drops its own connection rather than fail on it.
final class RedisConnector: Sendable {
    private let configuration: RedisConfiguration
    private let logger: Logger
    private struct Health {
        var failures = 0
        var retryAt: ContinuousClock.Instant?
        /// Moves each time a connection breaks: a lane's connection opened under an older one is stale.
        var generation = 0
    }

    private let health = Mutex(Health())

    init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    var generation: Int { health.withLock { $0.generation } }

    /// A new connection and the generation it belongs to; `unavailable` while the backoff after a failure lasts.
    func open() throws -> (RedisConnection, generation: Int) {
        let now = ContinuousClock.now
        let generation = try health.withLock { health in
            if let retryAt = health.retryAt, now < retryAt { throw RedisError.unavailable }
            return health.generation
        }
        do {
            let connection = try RedisConnection.open(configuration)
            let recovered = health.withLock { health in
                defer { (health.failures, health.retryAt) = (0, nil) }
                return health.failures > 0
            }
            if recovered { logger.info("Redis reachable again", metadata: ["host": "\(configuration.host):\(configuration.port)"]) }
            return (connection, generation)
        } catch {
            let delay = health.withLock { health in
                health.failures += 1
                let delay = configuration.backoff.delay(afterFailures: health.failures)
                health.retryAt = ContinuousClock.now + delay
                return delay
            }
            logger.warning("Redis connection failed", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
            throw error
        }
    }

    /// A connection of `generation` broke: every lane's connection of that generation is dropped before its next use.
    func connectionBroke(generation: Int) {
        health.withLock { health in
            if health.generation == generation { health.generation += 1 }
        }
    }
}

/// One connection and the thread that drives it: commands queue up while it waits for the previous batch's replies,
/// then go out together. Only `run()`'s thread touches the connection.
final class RedisLane: @unchecked Sendable {
    private struct Command {
        let arguments: [String]
        let reply: CheckedContinuation<RedisReply, any Error>
    }

    /// The most commands one batch writes before it reads (bounds the output buffer and a batch's wait).
    static let batchLimit = 128
    private let connector: RedisConnector
    /// Guards `queue` and `closed`; its value is 1 while there is work (or the lane closes), so `run()` waits on 0.
    private let condition = ConditionLock(value: 0)
    private var queue: [Command] = []
    private var closed = false
    private var connection: RedisConnection?
    private var connectionGeneration = 0

    init(connector: RedisConnector) {
        self.connector = connector
    }

    func submit(_ arguments: [String], _ reply: CheckedContinuation<RedisReply, any Error>) {
        condition.lock()
        guard !closed else {
            condition.unlock()
            reply.resume(throwing: RedisError.closed)
            return
        }
        queue.append(Command(arguments: arguments, reply: reply))
        condition.unlock(withValue: 1)
    }

    func close() {
        condition.lock()
        closed = true
        let unsent = queue
        queue.removeAll()
        condition.unlock(withValue: 1)
        for command in unsent { command.reply.resume(throwing: RedisError.closed) }
    }

    /// The lane's thread: takes what is queued, a batch at a time, until closed.
    func run() {
        while true {
            condition.lock(whenValue: 1)
            let count = min(queue.count, Self.batchLimit)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            let stop = closed && batch.isEmpty
            condition.unlock(withValue: closed || !queue.isEmpty ? 1 : 0)
            if stop { break }
            send(batch)
        }
        connection = nil
    }

    private func send(_ batch: [Command]) {
        let connection: RedisConnection
        do {
            connection = try usableConnection()
            for command in batch { try connection.append(command.arguments) }
        } catch {
            dropConnection()
            for command in batch { command.reply.resume(throwing: error) }
            return
        }
        for (index, command) in batch.enumerated() {
            do {
                command.reply.resume(returning: try connection.receive())
            } catch {
                dropConnection()
                for unanswered in batch[index...] { unanswered.reply.resume(throwing: error) }
                return
            }
        }
    }

    private func usableConnection() throws -> RedisConnection {
        if let connection, !connection.isBroken, connectionGeneration == connector.generation { return connection }
        connection = nil
        let (opened, generation) = try connector.open()
        (connection, connectionGeneration) = (opened, generation)
        return opened
    }

    private func dropConnection() {
        if connection != nil { connector.connectionBroke(generation: connectionGeneration) }
        connection = nil
    }
}
