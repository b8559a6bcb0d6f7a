import Foundation
import Synchronization

/// What a signed-in user's live stream carries.
public enum UserEvent: Sendable, Equatable {
    /// A new notification; its id is the stream's event id.
    case notification(UserNotification)
    /// The number of unread notifications changed.
    case unreadCount(Int)
}

/// Delivers user events to the live streams (SSE) of that user. In-process here; a Redis Pub/Sub hub fans
/// out across instances in cluster mode. Publishers call it only after their transaction committed.
public protocol NotificationHub: Sendable {
    func publish(_ event: UserEvent, to userID: String)
    /// A stream of the user's events. It ends when `disconnect(session:)` is called for its session,
    /// when the subscriber falls more than `bufferLimit` events behind (a slow client is dropped rather
    /// than buffered without limit), or when the consumer stops iterating.
    func subscribe(userID: String, sessionID: String) -> AsyncStream<UserEvent>
    /// Ends every stream of a session (sign-out).
    func disconnect(session sessionID: String)
    /// Ends every stream of a user (the account was disabled).
    func disconnect(user userID: String)
    /// Open streams, for metrics and tests.
    var subscriberCount: Int { get }
    /// Users with at least one open stream on this instance: a broadcast reaches them first.
    var connectedUserIDs: [String] { get }
}

/// The single-process hub: per user, the continuations of that user's open streams.
public final class InProcessNotificationHub: NotificationHub {
    private struct Subscriber {
        let sessionID: String
        let continuation: AsyncStream<UserEvent>.Continuation
    }

    private let subscribers = Mutex<[String: [UInt64: Subscriber]]>([:])
    private let nextID = Atomic<UInt64>(0)
    let bufferLimit: Int

    public init(bufferLimit: Int = 256) {
        self.bufferLimit = bufferLimit
    }

    public func publish(_ event: UserEvent, to userID: String) {
        let targets = subscribers.withLock { $0[userID].map { Array($0) } ?? [] }
        for (_, subscriber) in targets {
            if case .dropped = subscriber.continuation.yield(event) {
                subscriber.continuation.finish()  // too slow: drop the client, keep memory bounded
            }
        }
    }

    public func subscribe(userID: String, sessionID: String) -> AsyncStream<UserEvent> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: UserEvent.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { subscribers in
                subscribers[userID]?[id] = nil
                if subscribers[userID]?.isEmpty == true { subscribers[userID] = nil }
            }
        }
        subscribers.withLock { $0[userID, default: [:]][id] = Subscriber(sessionID: sessionID, continuation: continuation) }
        return stream
    }

    public func disconnect(session sessionID: String) {
        let targets = subscribers.withLock { subscribers in
            subscribers.values.flatMap { $0.values.filter { $0.sessionID == sessionID } }
        }
        for subscriber in targets { subscriber.continuation.finish() }
    }

    public func disconnect(user userID: String) {
        let targets = subscribers.withLock { $0[userID].map { Array($0.values) } ?? [] }
        for subscriber in targets { subscriber.continuation.finish() }
    }

    /// Ends every open stream; clients reconnect with `Last-Event-ID` and get what they missed from SQLite.
    public func disconnectAll() {
        let targets = subscribers.withLock { $0.values.flatMap { Array($0.values) } }
        for subscriber in targets { subscriber.continuation.finish() }
    }

    public var subscriberCount: Int {
        subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } }
    }

    public var connectedUserIDs: [String] {
        subscribers.withLock { Array($0.keys) }
    }
}
