import Foundation
import Hummingbird
import Synchronization
import TestSupport
import Testing

@testable import Storage
@testable import Web

@Suite struct StockStreamTests {
    private func sale(_ id: String, remaining: Int) -> FlashSale {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let item = FlashSaleItem(
            productId: "p",
            productName: "Croissant",
            productSlug: "croissant",
            regularPrice: 55_000,
            salePrice: 30_000,
            quantity: 10,
            perUserLimit: 2,
            held: 10 - remaining,
            confirmed: 0,
            remaining: remaining
        )
        return FlashSale(
            id: id,
            slug: id,
            name: "Giờ vàng",
            description: "",
            bannerImage: nil,
            startsAt: now,
            endsAt: now + 3600,
            status: .active,
            earlyAccessTier: nil,
            earlyAccessMinutes: 0,
            items: [item],
            createdAt: now,
            updatedAt: now
        )
    }

    /// Fifty open streams of one sale cost one read and one encoding per change, and all get the same bytes.
    @Test func oneSnapshotPerChangeIsSharedByEveryStreamOfTheSale() async throws {
        let signals = StockChangeSignals()
        let loads = Mutex(0)
        let broadcaster = SaleStockBroadcaster(signals: signals, eventsPerSecond: 1000) { id in
            loads.withLock { $0 += 1 }
            return self.sale(id, remaining: 7)
        }
        var iterators: [AsyncStream<ByteBuffer>.AsyncIterator] = []
        var openings: [ByteBuffer] = []
        for _ in 0..<50 {
            let (opening, live) = broadcaster.subscribe(saleID: "s", opening: sale("s", remaining: 10))
            openings.append(opening)
            iterators.append(live.makeAsyncIterator())
        }
        #expect(Set(openings.map { String(buffer: $0) }).count == 1)
        #expect(loads.withLock { $0 } == 0)
        signals.changed(saleID: "s")
        var received: [String] = []
        for index in iterators.indices {
            let event = try #require(await iterators[index].next())
            received.append(String(buffer: event))
        }
        #expect(Set(received).count == 1)
        #expect(received[0].hasPrefix("id: 1\nevent: stock\n") && received[0].contains(#""remaining":7"#))
        #expect(loads.withLock { $0 } == 1)
        iterators.removeAll()
        try await eventually("every subscriber and observer let go") { broadcaster.subscriberCount(saleID: "s") == 0 && signals.observerCount == 0 }
    }

    @Test func streamsArePerAddressCappedAndSlotsComeBackWhenStreamsEnd() throws {
        let slots = StreamSlots(limit: 2)
        var held = [try slots.take(for: "10.0.0.1"), try slots.take(for: "10.0.0.1")]
        #expect(throws: AppError.self) { try slots.take(for: "10.0.0.1") }
        let other = try slots.take(for: "10.0.0.2")
        held.removeLast()
        #expect(slots.count(for: "10.0.0.1") == 1)
        held.append(try slots.take(for: "10.0.0.1"))
        held.removeAll()
        _ = other
        #expect(slots.count(for: "10.0.0.1") == 0)
    }
}
