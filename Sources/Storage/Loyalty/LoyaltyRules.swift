import Foundation

/// Loyalty tiers, by lifetime points earned.
public enum LoyaltyTier: String, Sendable, Codable, CaseIterable, Comparable {
    case bronze, silver, gold, platinum

    /// Lifetime points from which the tier applies.
    public var threshold: Int {
        switch self {
        case .bronze: 0
        case .silver: 5_000
        case .gold: 20_000
        case .platinum: 50_000
        }
    }

    /// Points earned per 1,000 ₫ are multiplied by this (in tenths, to stay in whole numbers).
    public var multiplierTenths: Int {
        switch self {
        case .bronze: 10
        case .silver: 12
        case .gold: 15
        case .platinum: 20
        }
    }

    public static func forLifetime(_ points: Int) -> LoyaltyTier {
        allCases.last { points >= $0.threshold } ?? .bronze
    }

    public var next: LoyaltyTier? {
        LoyaltyTier.allCases.first { $0.threshold > threshold }
    }

    public static func < (lhs: LoyaltyTier, rhs: LoyaltyTier) -> Bool { lhs.threshold < rhs.threshold }
}

/// The programme's arithmetic, in one place.
public enum LoyaltyRules {
    /// 1 point per full 1,000 ₫ paid for goods, times the tier's multiplier (rounded down).
    public static func pointsEarned(paid amount: Int, tier: LoyaltyTier) -> Int {
        max(0, amount / 1000) * tier.multiplierTenths / 10
    }

    /// A point is worth 10 ₫ at checkout.
    public static let pointValue = 10

    /// At most half the subtotal may be paid with points.
    public static func maximumRedeemable(subtotal: Int) -> Int {
        subtotal / 2 / pointValue
    }

    /// Points expire this long after they were earned.
    public static let lifetime: TimeInterval = 365 * 24 * 3600
}
