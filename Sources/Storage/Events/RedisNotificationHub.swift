import Foundation

/// The cluster's notification hub: events reach the user's live streams on this instance at once, and through
/// ``RedisEventBus`` the streams on every other instance. Sign-outs travel the same way, so a session's streams
/// end wherever they are held. After a gap in the channel every local stream is closed: its client reconnects
/// with `Last-Event-ID` and gets what it missed from SQLite.
public final class RedisNotificationHub: NotificationHub {
    /// One message on the user topic.
    struct Message: Codable, Sendable {
        enum Kind: String, Codable, Sendable { case notification, unreadCount, endSession, endUser }
        var kind: Kind
        var userID: String?
        var sessionID: String?
        var notification: UserNotification?
        var count: Int?
    }

    private let local: InProcessNotificationHub
    private let bus: RedisEventBus

    public init(bus: RedisEventBus, bufferLimit: Int = 256) {
        let local = InProcessNotificationHub(bufferLimit: bufferLimit)
        self.local = local
        self.bus = bus
        bus.on(.user) { body in
            guard let message = try? JSONDecoder().decode(Message.self, from: Data(body.utf8)) else { return }
            Self.apply(message, to: local)
        }
        bus.onGap { local.disconnectAll() }
    }

    public func publish(_ event: UserEvent, to userID: String) {
        local.publish(event, to: userID)
        switch event {
        case .notification(let notification): send(Message(kind: .notification, userID: userID, notification: notification))
        case .unreadCount(let count): send(Message(kind: .unreadCount, userID: userID, count: count))
        }
    }

    public func subscribe(userID: String, sessionID: String) -> AsyncStream<UserEvent> {
        local.subscribe(userID: userID, sessionID: sessionID)
    }

    public func disconnect(session sessionID: String) {
        local.disconnect(session: sessionID)
        send(Message(kind: .endSession, sessionID: sessionID))
    }

    public func disconnect(user userID: String) {
        local.disconnect(user: userID)
        send(Message(kind: .endUser, userID: userID))
    }

    /// Streams open on this instance.
    public var subscriberCount: Int { local.subscriberCount }

    /// Users with a stream open on this instance: the instance whose worker runs a broadcast writes these users' rows first.
    public var connectedUserIDs: [String] { local.connectedUserIDs }

    private func send(_ message: Message) {
        guard let data = try? JSONEncoder().encode(message) else { return }
        bus.send(.user, String(decoding: data, as: UTF8.self))
    }

    static func apply(_ message: Message, to hub: InProcessNotificationHub) {
        switch message.kind {
        case .notification:
            if let userID = message.userID, let notification = message.notification { hub.publish(.notification(notification), to: userID) }
        case .unreadCount:
            if let userID = message.userID, let count = message.count { hub.publish(.unreadCount(count), to: userID) }
        case .endSession:
            if let sessionID = message.sessionID { hub.disconnect(session: sessionID) }
        case .endUser:
            if let userID = message.userID { hub.disconnect(user: userID) }
        }
    }
}
