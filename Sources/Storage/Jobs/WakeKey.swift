/// A connection's open transaction that will wake a queue's workers when it commits.
struct WakeKey: Hashable, Sendable {
    let connection: ObjectIdentifier
    let queue: String
}
