import Foundation

/// What an admin changes on an existing voucher: a missing field (nil) stays as it is; for the optional terms,
/// `.some(nil)` clears the term (no cap, no window edge, no limit).
public struct VoucherChanges: Sendable {
    public var code: String?
    public var kind: Voucher.Kind?
    public var value: Int?
    public var minSubtotal: Int?
    public var maxDiscount: Int??
    public var startsAt: Date??
    public var endsAt: Date??
    public var usageLimit: Int??
    public var perUserLimit: Int??
    public var isActive: Bool?

    public init() {}

    /// The full set of terms after the change, as a draft that ``VoucherService`` validates like a new voucher.
    func applied(to voucher: Voucher) -> VoucherDraft {
        VoucherDraft(
            code: code ?? voucher.code,
            kind: kind ?? voucher.kind,
            value: value ?? voucher.value,
            minSubtotal: minSubtotal ?? voucher.minSubtotal,
            maxDiscount: maxDiscount ?? voucher.maxDiscount,
            startsAt: startsAt ?? voucher.startsAt,
            endsAt: endsAt ?? voucher.endsAt,
            usageLimit: usageLimit ?? voucher.usageLimit,
            perUserLimit: perUserLimit ?? voucher.perUserLimit,
            isActive: isActive ?? voucher.isActive
        )
    }
}
