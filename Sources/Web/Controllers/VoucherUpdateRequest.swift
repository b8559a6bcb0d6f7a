import Foundation
import Storage

/// The body of `PATCH /api/v1/admin/vouchers/:id`: any of the create fields. A missing field stays as it is; an
/// explicit `null` clears `maxDiscount`, `startsAt`, `endsAt`, `usageLimit` or `perUserLimit`. Unknown fields are ignored.
struct VoucherUpdateRequest: Decodable {
    let changes: VoucherChanges

    enum Key: String, CodingKey {
        case code, kind, value, minSubtotal, maxDiscount, startsAt, endsAt, usageLimit, perUserLimit, isActive
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var changes = VoucherChanges()
        changes.code = try container.decodeIfPresent(String.self, forKey: .code)
        changes.kind = try container.decodeIfPresent(Voucher.Kind.self, forKey: .kind)
        changes.value = try container.decodeIfPresent(Int.self, forKey: .value)
        changes.minSubtotal = try container.decodeIfPresent(Int.self, forKey: .minSubtotal)
        changes.isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
        if container.contains(.maxDiscount) { changes.maxDiscount = .some(try container.decodeIfPresent(Int.self, forKey: .maxDiscount)) }
        if container.contains(.startsAt) { changes.startsAt = .some(try container.decodeIfPresent(Date.self, forKey: .startsAt)) }
        if container.contains(.endsAt) { changes.endsAt = .some(try container.decodeIfPresent(Date.self, forKey: .endsAt)) }
        if container.contains(.usageLimit) { changes.usageLimit = .some(try container.decodeIfPresent(Int.self, forKey: .usageLimit)) }
        if container.contains(.perUserLimit) { changes.perUserLimit = .some(try container.decodeIfPresent(Int.self, forKey: .perUserLimit)) }
        self.changes = changes
    }
}
