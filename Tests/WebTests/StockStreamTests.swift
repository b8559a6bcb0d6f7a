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
        var mailboxes: [StreamMailbox] = []
        var openings: [ByteBuffer] = []
        for _ in 0..<50 {
            let mailbox = StreamMailbox()
            openings.append(broadcaster.subscribe(saleID: "s", opening: sale("s", remaining: 10), into: mailbox))
            mailboxes.append(mailbox)
        }
        #expect(Set(openings.map { String(buffer: $0) }).count == 1)
        #expect(loads.withLock { $0 } == 0)
        signals.changed(saleID: "s")
        var received: [String] = []
        for mailbox in mailboxes {
            let batch = try #require(await mailbox.next())
            #expect(batch.count == 1)
            received.append(String(buffer: batch[0]))
        }
        #expect(Set(received).count == 1)
        #expect(received[0].hasPrefix("id: 1\nevent: stock\n") && received[0].contains(#""remaining":7"#))
        #expect(loads.withLock { $0 } == 1)
        for mailbox in mailboxes { mailbox.terminate() }
        try await eventually("every subscriber and observer let go") { broadcaster.subscriberCount(saleID: "s") == 0 && signals.observerCount == 0 }
    }

    /// A stream that falls behind gets the newest snapshot only — never a backlog of stale ones — and never blocks
    /// the streams that keep up.
    @Test func aStreamThatDoesNotReadGetsOnlyTheNewestSnapshot() async throws {
        let signals = StockChangeSignals()
        let remaining = Mutex(10)
        let broadcaster = SaleStockBroadcaster(signals: signals, eventsPerSecond: 1000) { id in
            self.sale(id, remaining: remaining.withLock { $0 })
        }
        let (slow, fast) = (StreamMailbox(), StreamMailbox())
        _ = broadcaster.subscribe(saleID: "s", opening: sale("s", remaining: 10), into: slow)
        _ = broadcaster.subscribe(saleID: "s", opening: sale("s", remaining: 10), into: fast)
        for left in [9, 8, 7] {
            remaining.withLock { $0 = left }
            signals.changed(saleID: "s")
            let batch = try #require(await fast.next())
            #expect(String(buffer: batch[0]).contains("\"remaining\":\(left)"))
        }
        let behind = try #require(await slow.next())
        #expect(behind.count == 1)
        #expect(String(buffer: behind[0]).hasPrefix("id: 3\n") && String(buffer: behind[0]).contains(#""remaining":7"#))
        slow.terminate()
        fast.terminate()
        try await eventually("every subscriber let go") { broadcaster.subscriberCount(saleID: "s") == 0 }
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
