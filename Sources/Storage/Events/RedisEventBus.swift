import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The cluster's event channel over Redis Pub/Sub: one subscriber connection per process, one channel per topic.
///
/// Each message carries the id of the instance that sent it; an instance has already delivered its own events
/// locally, so it skips them when they come back. Messages are published in order from one task, off the caller's
/// path (a publisher never waits for Redis, and keeps working locally while Redis is down). After the subscriber
/// reconnects — whatever was published meanwhile is lost — the gap handlers run, so consumers resynchronise from
/// SQLite (live streams are closed and their clients reconnect with `Last-Event-ID`).
public final class RedisEventBus: Service, Sendable {
    /// What a message is about; each topic is one Pub/Sub channel.
    public enum Topic: String, Sendable, CaseIterable {
        /// A user's notification stream (new notification, unread count, sign-out).
        case user
        /// A flash sale's stock changed (the payload is the sale id).
        case stock
        /// A commit changed what in-memory copies were kept from (the payload names the copies, see
        /// ``CommittedChangeRelay``).
        case commits
    }

    /// This process's id in the cluster (on every message it sends).
    public let instanceID: String
    private let client: RedisClient
    private let subscriber: RedisSubscriber
    private let namespace: String
    private let logger: Logger
    private let handlers = Mutex<[Topic: [@Sendable (String) -> Void]]>([:])
    private let gapHandlers = Mutex<[@Sendable () -> Void]>([])
    private let channelHandlers = Mutex<[@Sendable (Bool) -> Void]>([])
    private let outbox: AsyncStream<(Topic, String)>
    private let outboxContinuation: AsyncStream<(Topic, String)>.Continuation

    public init(client: RedisClient, namespace: String = "klelite:events", logger: Logger = Logger(label: "klelite.events.redis")) {
        self.client = client
        self.namespace = namespace
        self.logger = logger
        instanceID = UUID().uuidString.lowercased()
        subscriber = RedisSubscriber(
            configuration: client.configuration,
            channels: Topic.allCases.map { "\(namespace):\($0.rawValue)" },
            logger: logger
        )
        (outbox, outboxContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Registers a handler for the messages other instances send on `topic` (call before `run`).
    public func on(_ topic: Topic, _ handler: @escaping @Sendable (String) -> Void) {
        handlers.withLock { $0[topic, default: []].append(handler) }
    }

    /// Registers a handler run after each reconnect of the subscriber (messages may have been missed).
    public func onGap(_ handler: @escaping @Sendable () -> Void) {
        gapHandlers.withLock { $0.append(handler) }
    }

    /// Registers a handler told each time the subscriber is subscribed (true, the first time too) or lost its
    /// connection (false): between the two, nothing the other instances send is heard.
    public func onChannel(_ handler: @escaping @Sendable (_ isUp: Bool) -> Void) {
        channelHandlers.withLock { $0.append(handler) }
    }

    /// Queues a message for the other instances; returns at once. When 10,000 wait (Redis slower than the shop), the
    /// oldest is dropped and counted (`klelite_cluster_events_dropped_total`): its receivers resynchronise as after
    /// any lost message (stock streams re-read on the next change, kept copies by the `data_version` backstop).
    public func send(_ topic: Topic, _ payload: String) {
        if case .dropped = outboxContinuation.yield((topic, payload)) {
            Counter(label: "klelite_cluster_events_dropped_total").increment()
        }
    }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask { await self.publishOutbox() }
            var subscriptions = 0
            for await event in subscriber.events {
                switch event {
                case .subscribed:
                    subscriptions += 1
                    for handler in channelHandlers.withLock({ $0 }) { handler(true) }
                    if subscriptions > 1 {
                        logger.notice("cluster channel resubscribed; live streams resynchronise from SQLite")
                        for handler in gapHandlers.withLock({ $0 }) { handler() }
                    }
                case .lost:
                    for handler in channelHandlers.withLock({ $0 }) { handler(false) }
                case .message(let channel, let payload):
                    dispatch(channel: channel, payload: payload)
                }
            }
            outboxContinuation.finish()
        }
    }

    private func dispatch(channel: String, payload: String) {
        guard channel.hasPrefix(namespace + ":"), let topic = Topic(rawValue: String(channel.dropFirst(namespace.count + 1))),
            let separator = payload.firstIndex(of: "|")
        else { return }
        guard payload[..<separator] != instanceID else { return }  // delivered locally when it was sent
        let body = String(payload[payload.index(after: separator)...])
        for handler in handlers.withLock({ $0[topic] ?? [] }) { handler(body) }
    }

    private func publishOutbox() async {
        for await (topic, payload) in outbox {
            do {
                _ = try await client.send(["PUBLISH", "\(namespace):\(topic.rawValue)", "\(instanceID)|\(payload)"])
            } catch {
                // The other instances resynchronise from SQLite when their subscriptions come back.
                logger.warning("cluster event not published", metadata: ["topic": "\(topic.rawValue)", "error": "\(error)"])
            }
        }
    }
}
