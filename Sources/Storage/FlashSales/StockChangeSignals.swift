import Synchronization

/// Tells observers of a sale that its stock changed. Each observer holds at most one pending signal, so a
/// burst of changes costs one wake-up; readers then fetch the current counters (coalescing).
///
/// In cluster mode a relay carries each change to the other instances, which ``deliver(saleID:)`` it to their own
/// observers, so a stock stream held on any instance moves when a unit is taken on another.
public final class StockChangeSignals: Sendable {
    private let observers = Mutex<[String: [UInt64: AsyncStream<Void>.Continuation]]>([:])
    private let nextID = Mutex<UInt64>(0)
    private let relay = Mutex<(@Sendable (String) -> Void)?>(nil)

    public init() {}

    /// A change made in this process: its own observers are told at once, and the relay (if any) tells the others.
    public func changed(saleID: String) {
        deliver(saleID: saleID)
        relay.withLock { $0 }?(saleID)
    }

    /// A change another instance made: tells this process's observers only.
    public func deliver(saleID: String) {
        let targets = observers.withLock { $0[saleID].map { Array($0.values) } ?? [] }
        for continuation in targets { continuation.yield() }
    }

    /// Tells every observer to re-read (after a gap in the cluster channel, changes may have been missed).
    public func deliverAll() {
        let targets = observers.withLock { $0.values.flatMap { Array($0.values) } }
        for continuation in targets { continuation.yield() }
    }

    /// Sets where this process's changes are sent for the other instances (cluster mode).
    public func relay(to send: @escaping @Sendable (String) -> Void) {
        relay.withLock { $0 = send }
    }

    public func observe(saleID: String) -> AsyncStream<Void> {
        let id = nextID.withLock { value -> UInt64 in
            value += 1
            return value
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in
            self?.observers.withLock { observers in
                observers[saleID]?[id] = nil
                if observers[saleID]?.isEmpty == true { observers[saleID] = nil }
            }
        }
        observers.withLock { $0[saleID, default: [:]][id] = continuation }
        return stream
    }

    public var observerCount: Int { observers.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
