/// What a subscriber connection delivers.
public enum RedisSubscriptionEvent: Sendable, Equatable {
    /// Subscribed to every channel, at start and again after each reconnect: whatever was published while
    /// disconnected is lost, so a consumer replays from SQLite (by `Last-Event-ID`) on every one after the first.
    case subscribed
    case message(channel: String, payload: String)
}
