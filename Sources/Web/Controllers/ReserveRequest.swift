import NIOCore

/// The body of `POST /api/v1/flash-sales/:id/reserve`.
struct ReserveRequest: Decodable, Equatable {
    let productId: String
    let quantity: Int

    init(productId: String, quantity: Int) {
        self.productId = productId
        self.quantity = quantity
    }

    /// The body read without `JSONDecoder` when it is exactly `{"productId": "…", "quantity": n}` in either order with
    /// plain values (``FlatJSONObject``); nil sends it to the decoder, which reads it the same way or answers the 400.
    /// A rush sends this body a million times: through `JSONDecoder` it was the largest piece of the 409's own work.
    init?(flatJSON buffer: ByteBuffer) {
        guard let members = FlatJSONObject.members(of: buffer, limit: 2), members.count == 2 else { return nil }
        var productId: String?
        var quantity: Int?
        for member in members {
            switch (member.key, member.value) {
            case ("productId", .string(let text)): productId = text
            case ("quantity", .integer(let number)): quantity = number
            default: return nil
            }
        }
        guard let productId, let quantity else { return nil }
        self.init(productId: productId, quantity: quantity)
    }
}
