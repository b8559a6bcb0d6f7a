import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// A seeded catalogue with a flash-sale service over the in-memory ledger and a manual clock.
struct FlashSaleFixture {
    let catalog: CatalogFixture
    let ledger = InMemoryStockLedger()
    let sales: FlashSaleService
    var clock: ManualClock { catalog.clock }
    var database: AppDatabase { catalog.database }

    init(reservePerMinute: Int = 1000) throws {
        catalog = try CatalogFixture()
        sales = FlashSaleService(
            database: catalog.database,
            clock: catalog.clock,
            ledger: ledger,
            rateLimiter: InMemoryRateLimiter(clock: catalog.clock),
            settings: .init(reservationTTL: 300, reservePerMinute: reservePerMinute),
            tierOf: { _ in nil }
        )
    }

    func productID(_ slug: String) async throws -> String {
        try await catalog.catalog.product(idOrSlug: slug).value.id
    }

    /// A sale of one product (croissant, regular price 55,000) starting `startsIn` seconds from now for an hour.
    /// The sale's units are set aside from the croissant's stock (60 in the demo catalogue), raised first when short.
    func croissantSale(quantity: Int = 10, limit: Int = 2, startsIn: TimeInterval = 0, earlyTier: String? = nil) async throws -> FlashSale {
        let start = clock.now().addingTimeInterval(startsIn)
        let croissant = try await catalog.catalog.product(idOrSlug: "croissant-bo-phap").value
        if croissant.stock < quantity {
            var change = CatalogService.ProductDraft()
            change.stock = quantity
            _ = try await catalog.catalog.updateProduct(id: croissant.id, change)
        }
        return try await sales.create(
            FlashSaleDraft(
                name: "Giờ vàng croissant",
                startsAt: start,
                endsAt: start.addingTimeInterval(3600),
                earlyAccessTier: earlyTier,
                earlyAccessMinutes: earlyTier == nil ? 0 : 30,
                items: [.init(productId: try await productID("croissant-bo-phap"), salePrice: 30_000, quantity: quantity, perUserLimit: limit)]
            )
        )
    }

    /// Sells a held reservation the way the shop does: it becomes part of an order, then that order's payment
    /// (here an admin recording it) confirms it.
    @discardableResult
    func sell(_ reservation: Reservation) async throws -> Reservation {
        let now = clock.now()
        _ = try await database.write { db in
            try ReservationStore.markOrdered(db, userID: reservation.userId, orderID: "order-\(reservation.id)", now: now)
        }
        return try await sales.confirm(saleID: reservation.saleId, reservationID: reservation.id)
    }
}

extension Reservation {
    /// A hold of one unit of `sale`'s first item by `user`, made at `now` and expiring five minutes later, as the
    /// service would write it: for tests that hand rows to the writer themselves.
    static func hold(_ id: String, of sale: FlashSale, by user: String, at now: Date, salePrice: Int) -> Reservation {
        Reservation(
            id: id,
            saleId: sale.id,
            productId: sale.items[0].productId,
            userId: user,
            quantity: 1,
            salePrice: salePrice,
            status: .reserved,
            expiresAt: now + 300,
            releasedReason: nil,
            orderId: nil,
            createdAt: now,
            updatedAt: now
        )
    }
}
