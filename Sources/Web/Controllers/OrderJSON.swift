import Hummingbird
import NIOCore
import Storage

/// An order's answer (checkout, the order's page, a cancel, a status change; lists of them by ``OrderPageResponse``),
/// written without Foundation's encoder: byte for byte what ``JSONCoding/encoder`` writes for it, headers included. The
/// encoder (its value tree, its sorted dictionaries, a date style per date) was a tenth of the server's samples of a
/// checkout rush (bench/PROFILES.md, seventeenth round). `OrderJSONTests` holds the two to the same bytes on random
/// orders; an order with a date the writer does not take (before 1970) is encoded as before.
extension Order: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        OrderJSON.response(try OrderJSON.body(self))
    }
}

/// A page of orders (the shopper's orders, the bakery's order list), written as ``OrderJSON`` writes each order: what
/// ``JSONCoding/encoder`` writes for the ``PageResponse`` of the same page.
struct OrderPageResponse: ResponseGenerator {
    let page: Page<Order>

    func response(from request: Request, context: some RequestContext) throws -> Response {
        OrderJSON.response(try OrderJSON.body(page))
    }
}

enum OrderJSON {
    /// The order's JSON as ``JSONCoding/encoder`` writes it.
    static func body(_ order: Order) throws -> ByteBuffer {
        try written(capacity: 640 + 200 * order.lines.count, orEncoded: order) { write(order, into: &$0) }
    }

    /// The page's JSON as ``JSONCoding/encoder`` writes its ``PageResponse``: `items`, `limit`, `page`, `total`.
    static func body(_ page: Page<Order>) throws -> ByteBuffer {
        let capacity = 64 + page.items.reduce(0) { $0 + 640 + 200 * $1.lines.count }
        return try written(capacity: capacity, orEncoded: PageResponse(page) { $0 }) { json in
            json.beginObject()
            json.key("items")
            json.beginArray()
            for order in page.items { write(order, into: &json) }
            json.endArray()
            json.field("limit", page.limit)
            json.field("page", page.page)
            json.field("total", page.total)
            json.endObject()
        }
    }

    /// What the JSON encoder's response gave: status 200, the JSON content type and the length.
    static func response(_ body: ByteBuffer) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes)],
            body: .init(byteBuffer: body)
        )
    }

    /// What `write` wrote, or `value` (made only then) encoded by ``JSONCoding/encoder`` when the writer could not take
    /// one of its dates.
    private static func written<Value: Encodable>(
        capacity: Int,
        orEncoded value: @autoclosure () -> Value,
        _ write: (inout JSONTextWriter) -> Void
    ) throws -> ByteBuffer {
        var json = JSONTextWriter(escapingSlashes: false, capacity: capacity)
        write(&json)
        guard !json.failed else { return ByteBuffer(bytes: try JSONCoding.encoder.encode(value())) }
        return json.buffer
    }

    /// The keys of each object in ascending byte order, as `.sortedKeys` puts them; nil optionals left out.
    private static func write(_ order: Order, into json: inout JSONTextWriter) {
        json.beginObject()
        json.key("address")
        order.address.write(into: &json)
        json.field("code", order.code)
        json.field("createdAt", order.createdAt)
        json.field("discount", order.discount)
        if let history = order.history {
            json.key("history")
            json.beginArray()
            for change in history {
                json.beginObject()
                json.field("at", change.at)
                json.field("note", ifPresent: change.note)
                json.field("status", change.status.rawValue)
                json.endObject()
            }
            json.endArray()
        }
        json.field("id", order.id)
        json.key("lines")
        json.beginArray()
        for line in order.lines {
            json.beginObject()
            json.field("lineTotal", line.lineTotal)
            json.field("name", line.name)
            json.field("productId", line.productId)
            json.field("quantity", line.quantity)
            json.field("reservationId", ifPresent: line.reservationId)
            json.field("unitPrice", line.unitPrice)
            json.endObject()
        }
        json.endArray()
        json.field("note", order.note)
        json.field("paymentMethod", order.paymentMethod.rawValue)
        json.field("pointsRedeemed", order.pointsRedeemed)
        json.field("shippingFee", order.shippingFee)
        json.field("status", order.status.rawValue)
        json.field("subtotal", order.subtotal)
        json.field("total", order.total)
        json.field("updatedAt", order.updatedAt)
        json.field("userId", order.userId)
        json.field("voucherCode", ifPresent: order.voucherCode)
        json.endObject()
    }
}
