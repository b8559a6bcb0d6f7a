import NIOCore
import Storage

/// The body of `POST /api/v1/orders`: where to deliver, how to pay, and the optional note, voucher and points.
struct PlaceOrderRequest: Decodable, Equatable {
    let address: ShippingAddress
    let note: String?
    let paymentMethod: String
    let voucherCode: String?
    let pointsToRedeem: Int?

    init(address: ShippingAddress, note: String?, paymentMethod: String, voucherCode: String?, pointsToRedeem: Int?) {
        self.address = address
        self.note = note
        self.paymentMethod = paymentMethod
        self.voucherCode = voucherCode
        self.pointsToRedeem = pointsToRedeem
    }

    /// The body read without `JSONDecoder` when its members are these keys with plain values (``FlatJSONObject``) and
    /// its address is an object of exactly the six address fields as strings; nil sends it to the decoder, which reads
    /// it the same way or answers the 400. Through `JSONDecoder` this body was about a twentieth of a checkout's CPU
    /// outside the writer (bench/PROFILES.md, nineteenth round).
    init?(flatJSON buffer: ByteBuffer) {
        guard let members = FlatJSONObject.members(of: buffer, limit: 6) else { return nil }
        var address: ShippingAddress?
        var note: String?
        var paymentMethod: String?
        var voucherCode: String?
        var pointsToRedeem: Int?
        // The reader refuses a key given twice, so each case is met at most once.
        for member in members {
            switch (member.key, member.value) {
            case ("address", .object(let fields)):
                guard let fields = ShippingAddress(flatJSON: fields) else { return nil }
                address = fields
            case ("note", .string(let text)): note = text
            case ("paymentMethod", .string(let text)): paymentMethod = text
            case ("voucherCode", .string(let text)): voucherCode = text
            case ("pointsToRedeem", .integer(let number)): pointsToRedeem = number
            default: return nil
            }
        }
        guard let address, let paymentMethod else { return nil }
        self.init(address: address, note: note, paymentMethod: paymentMethod, voucherCode: voucherCode, pointsToRedeem: pointsToRedeem)
    }
}

extension ShippingAddress {
    /// An address from an object of exactly its six fields, each a string; nil for anything else.
    init?(flatJSON members: [FlatJSONObject.Member]) {
        guard members.count == 6 else { return nil }
        var fields: [String?] = Array(repeating: nil, count: 6)
        for member in members {
            guard case .string(let text) = member.value else { return nil }
            let slot: Int
            switch member.key {
            case "name": slot = 0
            case "phone": slot = 1
            case "line": slot = 2
            case "ward": slot = 3
            case "district": slot = 4
            case "city": slot = 5
            default: return nil
            }
            fields[slot] = text
        }
        guard let name = fields[0], let phone = fields[1], let line = fields[2], let ward = fields[3], let district = fields[4],
            let city = fields[5]
        else { return nil }
        self.init(name: name, phone: phone, line: line, ward: ward, district: district, city: city)
    }
}
