import Foundation

/// Where a sale is in its life: `scheduled → active → ended`, or `cancelled`.
public enum FlashSaleStatus: String, Sendable, Codable, CaseIterable {
    case scheduled, active, ended, cancelled
}

/// One product in a flash sale, with its live counters from the ledger.
public struct FlashSaleItem: Sendable, Equatable, Codable {
    public var productId: String
    public var productName: String
    public var productSlug: String
    public var regularPrice: Int
    public var salePrice: Int
    public var quantity: Int
    public var perUserLimit: Int
    public var held: Int
    public var confirmed: Int
    public var remaining: Int
}

/// A time-boxed sale of a few products at lower prices, in limited quantities.
public struct FlashSale: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    public var name: String
    public var description: String
    public var bannerImage: String?
    public var startsAt: Date
    public var endsAt: Date
    public var status: FlashSaleStatus
    public var earlyAccessTier: String?
    public var earlyAccessMinutes: Int
    public var items: [FlashSaleItem]
    public var createdAt: Date
    public var updatedAt: Date
}

/// Where a reservation is: `reserved → ordered → confirmed`, or `released`.
public enum ReservationStatus: String, Sendable, Codable {
    case reserved, ordered, confirmed, released
}

/// Units of a sale item held for one user until `expiresAt`, unless they become part of an order.
public struct Reservation: Sendable, Equatable, Codable {
    public var id: String
    public var saleId: String
    public var productId: String
    public var userId: String
    public var quantity: Int
    public var salePrice: Int
    public var status: ReservationStatus
    public var expiresAt: Date
    public var releasedReason: String?
    public var orderId: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// What an admin sends to create or change a sale.
public struct FlashSaleDraft: Sendable {
    public struct Item: Sendable {
        public var productId: String
        public var salePrice: Int
        public var quantity: Int
        public var perUserLimit: Int

        public init(productId: String, salePrice: Int, quantity: Int, perUserLimit: Int) {
            self.productId = productId
            self.salePrice = salePrice
            self.quantity = quantity
            self.perUserLimit = perUserLimit
        }
    }

    public var name: String
    public var slug: String?
    public var description: String
    public var bannerImage: String?
    public var startsAt: Date
    public var endsAt: Date
    public var earlyAccessTier: String?
    public var earlyAccessMinutes: Int
    public var items: [Item]

    public init(
        name: String,
        slug: String? = nil,
        description: String = "",
        bannerImage: String? = nil,
        startsAt: Date,
        endsAt: Date,
        earlyAccessTier: String? = nil,
        earlyAccessMinutes: Int = 0,
        items: [Item]
    ) {
        self.name = name
        self.slug = slug
        self.description = description
        self.bannerImage = bannerImage
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.earlyAccessTier = earlyAccessTier
        self.earlyAccessMinutes = earlyAccessMinutes
        self.items = items
    }
}
