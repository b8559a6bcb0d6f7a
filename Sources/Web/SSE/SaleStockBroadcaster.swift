import Foundation
import Hummingbird
import Storage
import Synchronization

/// The public stock stream of every flash sale, computed once and fanned out: per sale one task waits for the
/// sale's stock to change, reads one snapshot, encodes it once as a `stock` event, and hands the same bytes to
/// every open stream of that sale — no database read and no encoding per connection, and no task per connection:
/// the snapshot goes straight into each stream's mailbox, replacing one not yet written, and each event loop is asked
/// once to write it to the streams of its connections. At most
/// `eventsPerSecond` snapshots per sale (changes in between are coalesced). A sale's task stops when its last
/// stream closes.
final class SaleStockBroadcaster: Sendable {
    private struct Channel {
        /// Tells this channel apart from a later one of the same sale (after every stream closed).
        let generation: UInt64
        var task: Task<Void, Never>?
        var latest: ByteBuffer?
        var sequence = 0
        var subscribers: [UInt64: StreamMailbox] = [:]
    }

    private struct State {
        var channels: [String: Channel] = [:]
        var nextID: UInt64 = 0
    }

    private let signals: StockChangeSignals
    private let load: @Sendable (String) async throws -> FlashSale
    private let interval: Duration
    private let state = Mutex(State())

    /// - Parameters:
    ///   - signals: the sales' stock-change signals.
    ///   - load: reads one sale with its live counters (called once per snapshot, never per stream).
    init(signals: StockChangeSignals, eventsPerSecond: Double, load: @escaping @Sendable (String) async throws -> FlashSale) {
        self.signals = signals
        self.interval = .milliseconds(Int64(1000 / eventsPerSecond))
        self.load = load
    }

    /// The current snapshot as the stream's opening event; the later ones go into `mailbox` until it terminates.
    /// `opening` is the caller's fresh read of the sale, used only when no stream of that sale is open yet.
    func subscribe(saleID: String, opening: FlashSale, into mailbox: StreamMailbox) -> ByteBuffer {
        let (id, first, newGeneration) = state.withLock { state -> (UInt64, ByteBuffer, UInt64?) in
            state.nextID += 1
            let isNew = state.channels[saleID] == nil
            var channel = state.channels[saleID] ?? Channel(generation: state.nextID)
            let first = channel.latest ?? Self.encode(opening, sequence: channel.sequence)
            channel.latest = first
            channel.subscribers[state.nextID] = mailbox
            state.channels[saleID] = channel
            return (state.nextID, first, isNew ? channel.generation : nil)
        }
        if let newGeneration { start(saleID: saleID, generation: newGeneration) }
        mailbox.onTermination { [weak self] in self?.unsubscribe(saleID: saleID, id: id) }
        return first
    }

    /// Streams open for a sale (for tests).
    func subscriberCount(saleID: String) -> Int {
        state.withLock { $0.channels[saleID]?.subscribers.count ?? 0 }
    }

    private func start(saleID: String, generation: UInt64) {
        let changes = signals.observe(saleID: saleID)
        let task = Task { [load, interval] in
            for await _ in changes {
                guard let sale = try? await load(saleID) else { break }
                // Only this task numbers the channel's snapshots, so reading and bumping the number can be apart.
                guard let sequence = self.state.withLock({ $0.channels[saleID]?.generation == generation ? $0.channels[saleID]?.sequence : nil })
                else { return }
                let event = Self.encode(sale, sequence: sequence + 1)
                let targets = self.state.withLock { state -> [StreamMailbox] in
                    guard var channel = state.channels[saleID], channel.generation == generation else { return [] }
                    channel.sequence = sequence + 1
                    channel.latest = event
                    state.channels[saleID] = channel
                    return Array(channel.subscribers.values)
                }
                var drains = StreamMailbox.Drains()
                for mailbox in targets { mailbox.replace(snapshot: event, into: &drains) }
                drains.run()  // one job per event loop: each loop writes the snapshot to its own connections
                try? await Task.sleep(for: interval)  // coalesce: changes meanwhile make one snapshot
            }
            // The sale can no longer be read (or the signals ended): end its streams rather than leave them silent.
            let targets = self.state.withLock { state -> [StreamMailbox] in
                guard let channel = state.channels[saleID], channel.generation == generation else { return [] }
                return Array(channel.subscribers.values)
            }
            for mailbox in targets { mailbox.finish() }
        }
        let current = state.withLock { state -> Bool in
            guard state.channels[saleID]?.generation == generation else { return false }
            state.channels[saleID]?.task = task
            return true
        }
        if !current { task.cancel() }
    }

    private func unsubscribe(saleID: String, id: UInt64) {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.channels[saleID]?.subscribers[id] = nil
            guard let channel = state.channels[saleID], channel.subscribers.isEmpty else { return nil }
            state.channels[saleID] = nil
            return channel.task
        }
        task?.cancel()
    }

    static func encode(_ sale: FlashSale, sequence: Int) -> ByteBuffer {
        ByteBuffer(string: ServerSentEvent(id: String(sequence), event: "stock", json: StockSnapshot(sale)).encoded)
    }
}

/// `{"items": [{"productId", "quantity", "held", "confirmed", "remaining"}]}`: one sale's stock, as
/// `GET /flash-sales/:id/stock` answers and the stream sends.
struct StockSnapshot: ResponseEncodable {
    struct Item: Encodable {
        let productId: String
        let quantity: Int
        let held: Int
        let confirmed: Int
        let remaining: Int
    }

    let items: [Item]

    init(_ sale: FlashSale) {
        items = sale.items.map {
            Item(productId: $0.productId, quantity: $0.quantity, held: $0.held, confirmed: $0.confirmed, remaining: $0.remaining)
        }
    }
}
