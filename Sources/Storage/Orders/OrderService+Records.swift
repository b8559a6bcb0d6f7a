import Crypto
import Foundation
import GRDB
import NIOCore

extension OrderService {
    /// Inserts the order, its lines and its first history row; the code is `KL-YYYYMMDD-NNNN` for the day.
    func insert(
        _ db: Database,
        id: String,
        userID: String,
        request: CheckoutRequest,
        lines: [OrderLine],
        discount: Int,
        key: String?,
        hash: String,
        now: Date
    ) throws -> Order {
        let goods = lines.map(\.lineTotal).reduce(0, +)
        let shipping = pricing.shipping(forGoods: goods - discount)
        let code = try codeSequence.next(db, day: codeDay.text(for: now), remembers: database.isOnlyWriter)
        let order = Order(
            id: id,
            code: code,
            userId: userID,
            status: .pending,
            paymentMethod: request.paymentMethod,
            subtotal: goods,
            discount: discount,
            pointsRedeemed: request.pointsToRedeem,
            shippingFee: shipping,
            total: goods - discount - request.pointsToRedeem * LoyaltyRules.pointValue + shipping,
            address: request.address,
            note: request.note,
            voucherCode: request.voucherCode,
            lines: lines,
            createdAt: now,
            updatedAt: now
        )
        try OrderStore.insert(db, order, idempotencyKey: key, requestHash: hash, by: userID)
        return order
    }

    /// The email job and the notification of an order event, inside the order's transaction. The job names the order and
    /// the event; the email queue's worker writes the email from the stored order when it runs (``OrderEmailJob``).
    func announce(_ db: Database, order: Order, template: EmailTemplate) throws {
        let link = Self.link(to: order.id)
        try jobs.enqueue(db, OrderEmailJob(orderID: order.id, status: order.status, template: template).request(priority: 5))
        let title = template == .orderConfirmation ? "Đã nhận đơn \(order.code)" : "Đơn \(order.code) \(order.status.label)"
        try notifications.notify(
            db,
            userID: order.userId,
            NotificationDraft(
                type: "order.status",
                title: title,
                body: "Tổng cộng \(Self.money(order.total))",
                link: link,
                // What a page needs to word the notification in the shopper's language.
                data: ["orderId": order.id, "status": order.status.rawValue, "code": order.code, "total": String(order.total)]
            )
        )
    }

    static func fetch(_ db: Database, id: String) throws -> Order {
        try OrderStore.fetch(db, id: id)
    }

    /// The order's timeline, oldest first. A status this build does not know is an error, not a guess.
    static func history(_ db: Database, orderID: String) throws -> [OrderStatusChange] {
        try OrderStore.history(db, orderID: orderID)
    }

    /// The address as it is stored (each field trimmed), or a 400 naming every field that is missing or not valid.
    static func validate(_ address: ShippingAddress) throws(AppError) -> ShippingAddress {
        var fields: [String: String] = [:]
        var checked = address
        let lines: [(field: String, path: WritableKeyPath<ShippingAddress, String>, limit: Int)] = [
            ("address.name", \.name, 100), ("address.line", \.line, 200), ("address.ward", \.ward, 100),
            ("address.district", \.district, 100), ("address.city", \.city, 100),
        ]
        for (field, path, limit) in lines {
            if let text = try? TextRule.line(limit).check(address[keyPath: path], field: field) {
                checked[keyPath: path] = text
            } else {
                fields[field] = "is required (at most \(limit) characters)"
            }
        }
        // nil when the number is refused and when it is blank (normalizedPhone answers nil for no number).
        if let phone = try? AccountRules.normalizedPhone(address.phone) {
            checked.phone = phone
        } else {
            fields["address.phone"] = "must be 8-15 digits, optionally starting with +"
        }
        guard fields.isEmpty else { throw .validation("The shipping address is incomplete.", fields: fields) }
        return checked
    }

    /// A fingerprint of what was asked, so a reused Idempotency-Key with another request is told apart: the SHA-256 of
    /// ``fingerprintJSON(_:)``.
    static func hash(_ request: CheckoutRequest) -> String {
        var hasher = SHA256()
        fingerprintJSON(request).withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The request as `JSONEncoder.jobs` encodes it (sorted keys, `/` escaped), which every stored order's `requestHash`
    /// was taken of, so a retry across versions still matches; written by hand, the encoder was 3 % of a checkout's server
    /// samples (bench/PROFILES.md, seventeenth round). `CheckoutFingerprintTests` holds it to the encoder's bytes.
    static func fingerprintJSON(_ request: CheckoutRequest) -> ByteBuffer {
        var json = JSONTextWriter(escapingSlashes: true, capacity: 256)
        json.beginObject()
        json.key("address")
        request.address.write(into: &json)
        json.field("note", request.note)
        json.field("paymentMethod", request.paymentMethod.rawValue)
        json.field("pointsToRedeem", request.pointsToRedeem)
        json.field("voucherCode", ifPresent: request.voucherCode)
        json.endObject()
        return json.buffer
    }

    /// Where a customer's order is shown, under the shop's address.
    static func link(to orderID: String) -> String { "/orders.html#\(orderID)" }

    /// `125000` → `125.000 ₫` (Vietnamese grouping). Written out by hand: a `NumberFormatter` per call was a
    /// visible share of checkout's profile, and one shared formatter is not thread-safe on Linux.
    static func money(_ amount: Int) -> String {
        let digits = Array(String(amount.magnitude).utf8)
        var text: [UInt8] = amount < 0 ? [UInt8(ascii: "-")] : []
        text.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(UInt8(ascii: ".")) }
            text.append(digit)
        }
        return String(decoding: text, as: UTF8.self) + " ₫"
    }
}
