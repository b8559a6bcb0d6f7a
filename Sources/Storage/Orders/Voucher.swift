import Foundation

/// A discount code: a percentage (with an optional cap) or a fixed amount, from a minimum subtotal,
/// within a window, with total and per-user usage limits.
public struct Voucher: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case percent, fixed }

    public var id: String
    public var code: String
    public var kind: Kind
    /// Percent (1–100) or an amount in ₫.
    public var value: Int
    public var minSubtotal: Int
    public var maxDiscount: Int?
    public var startsAt: Date?
    public var endsAt: Date?
    public var usageLimit: Int?
    public var perUserLimit: Int?
    public var usedCount: Int
    public var isActive: Bool

    /// The discount on `subtotal`: never more than the subtotal, capped by `maxDiscount`.
    public func discount(on subtotal: Int) -> Int {
        let raw = kind == .percent ? subtotal * value / 100 : value
        return min(subtotal, maxDiscount.map { min(raw, $0) } ?? raw)
    }
}

/// What an admin sends to create or change a voucher.
public struct VoucherDraft: Sendable, Codable {
    public var code: String
    public var kind: Voucher.Kind
    public var value: Int
    public var minSubtotal: Int?
    public var maxDiscount: Int?
    public var startsAt: Date?
    public var endsAt: Date?
    public var usageLimit: Int?
    public var perUserLimit: Int?
    public var isActive: Bool?

    public init(
        code: String,
        kind: Voucher.Kind,
        value: Int,
        minSubtotal: Int? = nil,
        maxDiscount: Int? = nil,
        startsAt: Date? = nil,
        endsAt: Date? = nil,
        usageLimit: Int? = nil,
        perUserLimit: Int? = nil,
        isActive: Bool? = nil
    ) {
        self.code = code
        self.kind = kind
        self.value = value
        self.minSubtotal = minSubtotal
        self.maxDiscount = maxDiscount
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.usageLimit = usageLimit
        self.perUserLimit = perUserLimit
        self.isActive = isActive
    }
}
