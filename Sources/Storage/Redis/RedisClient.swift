import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Synchronization

/// A few pipelined hiredis connections. Commands are blocking hiredis calls, so each connection has a lane of its own
/// (``RedisLane``, one thread), never an event loop or the cooperative pool. Commands wait in one queue
/// (``RedisCommandQueue``); the next lane that is free takes every command waiting, up to ``RedisCommandQueue/batchLimit``,
/// and sends them as one batch — one write, the replies read in order — so under load a command costs one thread
/// hand-off per batch rather than per command, and the number of connections no longer caps the commands in flight.
///
/// Before each batch a lane peeks at its connection's socket: one the server closed (a restarted Redis) is replaced
/// before any command is risked on it. A connection that breaks or times out mid-batch fails the commands of its batch
/// not yet answered (a command already written may still have run: its caller cannot tell, as with any lost reply) and
/// is dropped; the other lanes drop theirs before their next batch, and the next batch opens a new one. When opening fails,
/// the client refuses at once with `RedisError.unavailable` until the backoff delay has passed, so callers fail fast
/// (503) while Redis is down and recover without a restart when it returns. A command is never retried: a reply lost
/// after the server ran it must not run it twice.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let queue = RedisCommandQueue()

    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "klelite.redis")) {
        self.configuration = configuration
        let connector = RedisConnector(configuration: configuration, logger: logger)
        let lanes = max(1, configuration.maxConnections)
        threads = NIOThreadPool(numberOfThreads: lanes)
        threads.start()
        for _ in 0..<lanes {
            let lane = RedisLane(queue: queue, connector: connector)
            threads.submit { _ in lane.run() }
        }
    }

    /// Sends one command. Error replies are returned as `.error`, not thrown.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        // An empty command is no command to Redis (`*0`, no reply): in a batch every later reply would go to the wrong caller.
        guard !arguments.isEmpty else { throw RedisError.unexpectedReply("an empty command has no reply") }
        return try await withCheckedThrowingContinuation { queue.submit(arguments, $0) }
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
        queue.close()
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

/// The client's commands not sent yet, taken a batch at a time by whichever lane is free.
final class RedisCommandQueue: @unchecked Sendable {
    struct Command {
        let arguments: [String]
        let reply: CheckedContinuation<RedisReply, any Error>
    }

    /// The most commands one batch writes before it reads: bounds the output buffer, and the commands one broken or
    /// timed-out connection fails.
    static let batchLimit = 32
    /// Guards `waiting` and `closed`; its value is 1 while there is work (or the queue is closed), so lanes wait on 0.
    private let condition = ConditionLock(value: 0)
    private var waiting: [Command] = []
    private var closed = false

    func submit(_ arguments: [String], _ reply: CheckedContinuation<RedisReply, any Error>) {
        condition.lock()
        guard !closed else {
            condition.unlock()
            reply.resume(throwing: RedisError.closed)
            return
        }
        waiting.append(Command(arguments: arguments, reply: reply))
        condition.unlock(withValue: 1)
    }

    /// The next batch, waiting for one; nil once the queue is closed.
    func next() -> [Command]? {
        condition.lock(whenValue: 1)
        let count = min(waiting.count, Self.batchLimit)
        let batch = Array(waiting.prefix(count))
        waiting.removeFirst(count)
        let isClosed = closed
        condition.unlock(withValue: isClosed || !waiting.isEmpty ? 1 : 0)
        return isClosed && batch.isEmpty ? nil : batch
    }

    /// Refuses new commands and fails those not taken yet.
    func close() {
        condition.lock()
        closed = true
        let unsent = waiting
        waiting.removeAll()
        condition.unlock(withValue: 1)
        for command in unsent { command.reply.resume(throwing: RedisError.closed) }
    }
}

/// One connection and the thread that drives it: it takes a batch from the queue, writes it, reads its replies, and
/// takes the next. Only `run()`'s thread touches the connection.
final class RedisLane: @unchecked Sendable {
    private let queue: RedisCommandQueue
    private let connector: RedisConnector
    private var connection: RedisConnection?
    private var connectionGeneration = 0

    init(queue: RedisCommandQueue, connector: RedisConnector) {
        self.queue = queue
        self.connector = connector
    }

    /// The lane's thread: batches until the queue closes.
    func run() {
        while let batch = queue.next() { send(batch) }
        connection = nil
    }

    private func send(_ batch: [RedisCommandQueue.Command]) {
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
        if let connection, connectionGeneration == connector.generation, connection.peerIsOpen { return connection }
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
