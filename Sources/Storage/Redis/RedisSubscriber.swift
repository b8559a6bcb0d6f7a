import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The one Pub/Sub connection of a process, as a `Service`: it subscribes to its channels on a thread of
/// its own (reading blocks), delivers `events`, and reconnects and resubscribes with backoff when the
/// connection drops. `run()` ends on graceful shutdown or cancellation, which wake the blocked read by
/// shutting the socket down.
public final class RedisSubscriber: Service, Sendable {
    public let events: AsyncStream<RedisSubscriptionEvent>
    private let continuation: AsyncStream<RedisSubscriptionEvent>.Continuation
    private let configuration: RedisConfiguration
    private let channels: [String]
    private let logger: Logger
    private let control = Mutex<Control>(Control())

    private struct Control {
        var stopped = false
        var socket: Int32?
        var finished: CheckedContinuation<Void, Never>?
        var done = false
    }

    public init(configuration: RedisConfiguration, channels: [String], logger: Logger = Logger(label: "klelite.redis.subscriber")) {
        var configuration = configuration
        configuration.commandTimeout = .zero  // a subscriber waits for messages indefinitely
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    public func run() async throws {
        let thread = Thread { [self] in
            readLoop()
            continuation.finish()
            let waiter = control.withLock { control in
                control.done = true
                return control.finished
            }
            waiter?.resume()
        }
        thread.start()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let alreadyDone = control.withLock { control in
                        if control.done { return true }
                        control.finished = finished
                        return false
                    }
                    if alreadyDone { finished.resume() }
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Ends the read loop (also called by graceful shutdown and cancellation).
    public func stop() {
        control.withLock { control in
            control.stopped = true
            if let socket = control.socket { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    private var isStopped: Bool { control.withLock { $0.stopped } }

    private func readLoop() {
        var failures = 0
        var subscribed = false
        while !isStopped {
            do {
                try session {
                    failures = 0
                    subscribed = true
                }
            } catch {
                guard !isStopped else { break }
                if subscribed { continuation.yield(.lost) }  // once per lost subscription, not per failed reconnect
                subscribed = false
                failures += 1
                let delay = configuration.backoff.delay(afterFailures: failures)
                logger.warning("Redis subscription lost", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                pause(delay)
            }
        }
    }

    /// One connection's life: subscribe, then deliver messages until the connection breaks or `stop()`.
    private func session(onSubscribed: () -> Void) throws {
        let connection = try RedisConnection.open(configuration)
        try withExtendedLifetime(connection) {
            let registered = control.withLock { control in
                if control.stopped { return false }
                control.socket = connection.fileDescriptor
                return true
            }
            guard registered else { return }
            defer { control.withLock { $0.socket = nil } }
            try connection.append(["SUBSCRIBE"] + channels)
            for _ in channels {
                let reply = try connection.receive()
                guard reply.array?.first?.string == "subscribe" else { throw RedisError.unexpectedReply("\(reply)") }
            }
            onSubscribed()
            continuation.yield(.subscribed)
            while true {
                let reply = try connection.receive()
                guard let parts = reply.array, parts.count == 3, parts[0].string == "message",
                    let channel = parts[1].string, let payload = parts[2].string
                else { continue }
                continuation.yield(.message(channel: channel, payload: payload))
            }
        }
    }

    /// Waits out a backoff delay in short slices so that `stop()` is not held up by it.
    private func pause(_ delay: Duration) {
        let deadline = ContinuousClock.now + delay
        while !isStopped, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
