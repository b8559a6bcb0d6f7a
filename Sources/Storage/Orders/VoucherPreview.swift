import Foundation

/// What a voucher would take off a shopper's cart now (`POST /vouchers/validate`).
public struct VoucherPreview: Sendable, Equatable, Codable {
    public let voucher: Voucher
    public let subtotal: Int
    public let discount: Int
}

extension VoucherService {
    /// Checks the voucher against the user's current cart: its subtotal decides the minimum and the discount.
    public func preview(code: String, userID: String, cartsFrom carts: CartService) async throws -> VoucherPreview {
        let subtotal = try await carts.cart(.user(userID)).subtotal
        let (voucher, discount) = try await preview(code: code, userID: userID, subtotal: subtotal)
        return VoucherPreview(voucher: voucher, subtotal: subtotal, discount: discount)
    }
}
