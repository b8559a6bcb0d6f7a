import Foundation

/// Where an order is: `pending → confirmed → preparing → shipping → delivered`; `cancelled`; `refunded`.
/// A paid order that is cancelled becomes `refund_pending` until the bakery has paid the money back.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case pending, confirmed, preparing, shipping, delivered, cancelled, refunded
    case refundPending = "refund_pending"

    /// The statuses an order may move to from this one.
    public var next: Set<OrderStatus> {
        switch self {
        case .pending: [.confirmed, .cancelled]
        case .confirmed: [.preparing, .cancelled]
        case .preparing: [.shipping, .cancelled]
        case .shipping: [.delivered]
        case .delivered: [.refunded]
        case .refundPending: [.refunded]
        case .cancelled, .refunded: []
        }
    }

    /// What a customer reads.
    public var label: String {
        switch self {
        case .pending: "đang chờ xác nhận"
        case .confirmed: "đã xác nhận"
        case .preparing: "đang chuẩn bị"
        case .shipping: "đang giao"
        case .delivered: "đã giao"
        case .cancelled: "đã huỷ"
        case .refunded: "đã hoàn tiền"
        case .refundPending: "đã huỷ, chờ hoàn tiền"
        }
    }

    /// What a customer reads in English (emails carry both languages).
    public var englishLabel: String {
        switch self {
        case .pending: "awaiting confirmation"
        case .confirmed: "confirmed"
        case .preparing: "being prepared"
        case .shipping: "out for delivery"
        case .delivered: "delivered"
        case .cancelled: "cancelled"
        case .refunded: "refunded"
        case .refundPending: "cancelled, refund pending"
        }
    }
}

/// How the shopper pays.
public enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case cod
    case card
    case bankTransfer = "bank_transfer"
}

/// Where the order goes.
public struct ShippingAddress: Sendable, Equatable, Codable {
    public var name: String
    public var phone: String
    public var line: String
    public var ward: String
    public var district: String
    public var city: String

    public init(name: String, phone: String, line: String, ward: String, district: String, city: String) {
        self.name = name
        self.phone = phone
        self.line = line
        self.ward = ward
        self.district = district
        self.city = city
    }
}

/// One line of an order, with the name and price as they were when it was placed.
public struct OrderLine: Sendable, Equatable, Codable {
    public var productId: String
    public var name: String
    public var unitPrice: Int
    public var quantity: Int
    public var lineTotal: Int
    /// Set when the line came from a flash-sale reservation (at the sale price).
    public var reservationId: String?
}

/// A placed order. Totals are computed by the server only.
public struct Order: Sendable, Equatable, Codable {
    public var id: String
    public var code: String
    public var userId: String
    public var status: OrderStatus
    public var paymentMethod: PaymentMethod
    public var subtotal: Int
    /// The voucher's discount.
    public var discount: Int
    /// Loyalty points spent on this order (each worth ``LoyaltyRules/pointValue`` ₫).
    public var pointsRedeemed: Int
    public var shippingFee: Int
    public var total: Int
    public var address: ShippingAddress
    public var note: String
    public var voucherCode: String?
    public var lines: [OrderLine]
    public var createdAt: Date
    public var updatedAt: Date
    /// Every status the order has had, oldest first; filled for one order's detail, nil in lists.
    public var history: [OrderStatusChange]?
}

/// One step of an order's timeline: the status it moved to, when, and the bakery's note if any.
public struct OrderStatusChange: Sendable, Equatable, Codable {
    public var status: OrderStatus
    public var note: String?
    public var at: Date
}

/// What checkout needs besides the cart.
public struct CheckoutRequest: Sendable, Equatable, Codable {
    public var address: ShippingAddress
    public var note: String
    public var paymentMethod: PaymentMethod
    public var voucherCode: String?
    public var pointsToRedeem: Int

    public init(address: ShippingAddress, note: String = "", paymentMethod: PaymentMethod, voucherCode: String? = nil, pointsToRedeem: Int = 0) {
        self.address = address
        self.note = note
        self.paymentMethod = paymentMethod
        self.voucherCode = voucherCode
        self.pointsToRedeem = pointsToRedeem
    }
}

/// Shipping and totals, one rule for every caller.
public struct Pricing: Sendable, Equatable {
    public var freeShippingThreshold: Int
    public var shippingFee: Int

    public init(freeShippingThreshold: Int = 500_000, shippingFee: Int = 30_000) {
        self.freeShippingThreshold = freeShippingThreshold
        self.shippingFee = shippingFee
    }

    /// Shipping is free from the threshold on (of what is paid for the goods), else the flat fee.
    public func shipping(forGoods amount: Int) -> Int {
        amount >= freeShippingThreshold ? 0 : shippingFee
    }
}
