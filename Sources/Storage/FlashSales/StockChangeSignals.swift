import Synchronization

/// Tells observers of a sale that its stock changed. Each observer holds at most one pending signal, so a
/// burst of changes costs one wake-up; readers then fetch the current counters (coalescing).
public final class StockChangeSignals: Sendable {
    private let observers = Mutex<[String: [UInt64: AsyncStream<Void>.Continuation]]>([:])
    private let nextID = Mutex<UInt64>(0)

    public func changed(saleID: String) {
        let targets = observers.withLock { $0[saleID].map { Array($0.values) } ?? [] }
        for continuation in targets { continuation.yield() }
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
