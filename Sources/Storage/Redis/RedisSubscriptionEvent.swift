/// What a subscriber connection delivers.
public enum RedisSubscriptionEvent: Sendable, Equatable {
    /// Subscribed to every channel, at start and again after each reconnect: whatever was published while
    /// disconnected is lost, so a consumer replays from SQLite (by `Last-Event-ID`) on every one after the first.
    case subscribed
    /// The subscribed connection was lost (the subscriber reconnects with backoff): nothing published from now on is
    /// heard until the next `subscribed`. Once per lost subscription.
    case lost
    case message(channel: String, payload: String)
}
