import Foundation
import Testing

@testable import Storage

/// ``TimeOrderedID``: version 7 UUID strings that sort by the millisecond they were made in, and the reservation ids the
/// flash-sale service makes with it (rows appended at the end of the reservation table's primary-key index).
@Suite struct TimeOrderedIDTests {
    /// Ids of later milliseconds sort after earlier ones, as text (what SQLite compares), whatever their random bits.
    @Test func idsOfLaterMillisecondsSortAfterEarlierOnes() {
        var generator = SystemRandomNumberGenerator()
        var millis = Int64.random(in: 0..<4_200_000_000_000, using: &generator)
        var previous = TimeOrderedID.make(at: Date(timeIntervalSince1970: Double(millis) / 1000))
        for step in 0..<20_000 {
            millis += step % 2 == 0 ? 1 : Int64.random(in: 1..<10_000_000, using: &generator)
            let id = TimeOrderedID.make(at: Date(timeIntervalSince1970: Double(millis) / 1000 + 0.000_4))
            #expect(previous < id, "\(previous) then \(id) at \(millis) ms")
            previous = id
        }
    }

    /// The id is a lowercase version 7 UUID (variant 10) whose first 48 bits are the Unix time in whole milliseconds.
    @Test func anIDIsAVersion7UUIDOfItsMillisecond() throws {
        for (seconds, millis) in [(0.0, "000000000000"), (1_800_000_000.0125, "01a3185c500c"), (1_800_000_000.0129, "01a3185c500c")] {
            let id = TimeOrderedID.make(at: Date(timeIntervalSince1970: seconds))
            let parsed = try #require(UUID(uuidString: id), "\(id)")
            #expect(parsed.uuidString.lowercased() == id)
            #expect(id.replacingOccurrences(of: "-", with: "").prefix(12) == millis, "\(id)")
            #expect(Array(id)[14] == "7" && "89ab".contains(Array(id)[19]), "\(id)")
        }
    }

    /// Ids of one millisecond differ by their 74 random bits; dates outside what 48 bits of milliseconds hold still give
    /// valid ids (no trap, no overflow).
    @Test func idsOfOneMillisecondDifferAndOddDatesStillGiveIDs() throws {
        let now = Date()
        #expect(Set((0..<100_000).map { _ in TimeOrderedID.make(at: now) }).count == 100_000)
        let dates = [
            Date.distantPast, Date.distantFuture, Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: .nan),
            Date(timeIntervalSince1970: .infinity), Date(timeIntervalSince1970: 281_474_976_710.656),
        ]
        for date in dates {
            let id = TimeOrderedID.make(at: date)
            #expect(UUID(uuidString: id) != nil && id.count == 36, "\(id)")
        }
        #expect(TimeOrderedID.make(at: Date(timeIntervalSince1970: 1e15)).hasPrefix("ffffffff-ffff-7"))
        #expect(TimeOrderedID.make(at: .distantPast).hasPrefix("00000000-0000-7"))
    }

    /// The service's reservations get such ids: one made later has the greater id.
    @Test func reservationsMadeLaterHaveGreaterIDs() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 10)
        let buyer = try await fixture.catalog.customer()
        var ids: [String] = []
        for _ in 0..<5 {
            ids.append(try await fixture.sales.reserve(by: buyer, saleID: sale.id, productID: sale.items[0].productId, quantity: 1).id)
            fixture.clock.advance(by: 0.001)
        }
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { Array($0)[14] == "7" })
    }
}
