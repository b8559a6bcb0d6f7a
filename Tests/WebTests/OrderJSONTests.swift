import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PropertyBased
import Testing

@testable import Storage
@testable import Web

/// An order's answer, written by hand, is what `JSONCoding.encoder` writes for it, byte for byte.
@Suite struct OrderJSONTests {
    /// Scalars at every branch of the string writer (escapes, controls and their neighbours, `/` left as it is by this
    /// encoder, multi-byte text, a combining mark).
    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", "-", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", " ", "\u{7F}",
        "é", "\u{301}", "\u{2028}", "đ", "🥖", "\u{FEFF}",
    ]

    private static func text(_ picks: [Int]) -> String {
        var text = ""
        for pick in picks { text.unicodeScalars.append(alphabet[pick % alphabet.count]) }
        return text
    }

    private static func encoded(_ order: Order) throws -> [UInt8] {
        Array(try JSONCoding.encoder.encode(order))
    }

    private static func written(_ order: Order) throws -> [UInt8] {
        Array(try OrderJSON.body(order).readableBytesView)
    }

    /// An order built from generated texts, numbers and instants: `shape` says how many lines and history entries, and
    /// which optionals are nil.
    private static func order(texts: [[Int]], numbers: [Int], instants: [Double], shape: [Int]) -> Order {
        var nextText = 0
        func text() -> String {
            defer { nextText += 1 }
            return texts.isEmpty ? "" : Self.text(texts[nextText % texts.count])
        }
        var nextNumber = 0
        func number() -> Int {
            defer { nextNumber += 1 }
            return numbers.isEmpty ? 0 : numbers[nextNumber % numbers.count]
        }
        var nextInstant = 0
        func instant() -> Date {
            defer { nextInstant += 1 }
            return Date(timeIntervalSince1970: instants.isEmpty ? 0 : instants[nextInstant % instants.count])
        }
        func flag(_ index: Int) -> Bool { shape.count > index && shape[index] % 2 == 1 }
        let lineCount = shape.first.map { $0 % 4 } ?? 1
        let lines = (0..<lineCount).map { index in
            OrderLine(
                productId: text(),
                name: text(),
                unitPrice: number(),
                quantity: number(),
                lineTotal: number(),
                reservationId: flag(2 + index) ? text() : nil
            )
        }
        let history: [OrderStatusChange]? =
            flag(1)
            ? (0..<(shape.count > 6 ? shape[6] % 3 : 1)).map { index in
                OrderStatusChange(
                    status: OrderStatus.allCases[abs(number() % OrderStatus.allCases.count)],
                    note: flag(7 + index) ? text() : nil,
                    at: instant()
                )
            } : nil
        return Order(
            id: text(),
            code: text(),
            userId: text(),
            status: OrderStatus.allCases[abs(number() % OrderStatus.allCases.count)],
            paymentMethod: PaymentMethod.allCases[abs(number() % PaymentMethod.allCases.count)],
            subtotal: number(),
            discount: number(),
            pointsRedeemed: number(),
            shippingFee: number(),
            total: number(),
            address: ShippingAddress(name: text(), phone: text(), line: text(), ward: text(), district: text(), city: text()),
            note: text(),
            voucherCode: flag(5) ? text() : nil,
            lines: lines,
            createdAt: instant(),
            updatedAt: instant(),
            history: history
        )
    }

    @Test func anyOrderIsWhatTheEncoderWrites() async throws {
        let scalar = Gen.int(in: 0...(Self.alphabet.count - 1))
        // Instants from 1970 to past 9999 (the writer hands those after 9999 to the encoder), with fractions.
        let instant = Gen.double(in: 0...253_402_400_000)
        await propertyCheck(
            count: 1000,
            input: scalar.array(of: 0...8).array(of: 1...24),
            Gen.int().array(of: 1...16),
            instant.array(of: 1...6),
            Gen.int(in: 0...9).array(of: 0...10)
        ) { texts, numbers, instants, shape in
            let order = Self.order(texts: texts, numbers: numbers, instants: instants, shape: shape)
            #expect((try? Self.written(order)) == (try? Self.encoded(order)))
        }
    }

    /// A page of such orders is what the encoder writes for its `PageResponse`.
    @Test func anyPageOfOrdersIsWhatTheEncoderWrites() async throws {
        let scalar = Gen.int(in: 0...(Self.alphabet.count - 1))
        await propertyCheck(
            count: 300,
            input: scalar.array(of: 0...6).array(of: 1...12),
            Gen.int().array(of: 1...8),
            Gen.double(in: 0...253_402_400_000).array(of: 1...4),
            Gen.int(in: 0...9).array(of: 0...10).array(of: 0...3)
        ) { texts, numbers, instants, shapes in
            let orders = shapes.enumerated().map { index, shape in
                Self.order(texts: texts, numbers: numbers.map { $0 &+ index }, instants: instants, shape: shape)
            }
            var page = Page(items: orders, request: .first, total: 0)
            (page.page, page.limit, page.total) = (numbers[0], numbers.last ?? 0, numbers.count > 1 ? numbers[1] : 0)
            let written = try? Array(OrderJSON.body(page).readableBytesView)
            #expect(written == (try? Array(JSONCoding.encoder.encode(PageResponse(page) { $0 }))))
        }
    }

    /// Instants either side of a second, a day, the epoch and the last four-digit year, each counted from 1970 and from
    /// 2001 (the encoder counts whole seconds from 2001); those before 1970 or past 9999 are written by the encoder itself.
    @Test func instantsAtTheEdgesOfASecond() throws {
        let base = Self.order(texts: [[0]], numbers: [1], instants: [0], shape: [1, 1, 1, 0, 0, 1, 2, 1, 0])
        let seconds: [Double] = [0, 1, 59, 86_399, 86_400, 1_796_000_000, 951_782_400, 253_402_300_799, 253_402_300_800, -1, -86_400]
        for second in seconds {
            for instant in [second, second.nextUp, second.nextDown, second + 0.5, second + 0.999_999, second - 0.000_001] {
                for date in [Date(timeIntervalSince1970: instant), Date(timeIntervalSinceReferenceDate: instant)] {
                    var order = base
                    order.createdAt = date
                    order.updatedAt = date
                    order.history = [OrderStatusChange(status: .pending, note: nil, at: date)]
                    #expect(try Self.written(order) == Self.encoded(order), "at \(date.timeIntervalSinceReferenceDate)")
                }
            }
        }
        // The last second of 9999 is the writer's own, not the encoder's.
        var last = base
        last.createdAt = Date(timeIntervalSince1970: 253_402_300_799.9)
        var json = JSONTextWriter(escapingSlashes: false)
        json.date(last.createdAt)
        #expect(!json.failed && String(buffer: json.buffer) == #""9999-12-31T23:59:59Z""#)
        json.date(Date(timeIntervalSince1970: 253_402_300_800))
        #expect(json.failed)
    }

    /// The writers name every stored property: one added to an order, a line, an address, a timeline entry or a checkout
    /// request must be written there too (and, for the request, counted in its fingerprint).
    @Test func theWritersKnowEveryField() {
        let order = Self.order(texts: [[0]], numbers: [1], instants: [0], shape: [1, 1, 1, 0, 0, 1, 1, 1])
        #expect(Mirror(reflecting: order).children.count == 17, "write the new field in OrderJSON.write")
        #expect(Mirror(reflecting: order.address).children.count == 6, "write the new field in OrderJSON.write and fingerprintJSON")
        #expect(order.lines.allSatisfy { Mirror(reflecting: $0).children.count == 6 }, "write the new field in OrderJSON.write")
        #expect((order.history ?? []).allSatisfy { Mirror(reflecting: $0).children.count == 3 }, "write the new field in OrderJSON.write")
        let request = CheckoutRequest(address: order.address, paymentMethod: .cod)
        #expect(Mirror(reflecting: request).children.count == 5, "write the new field in OrderService.fingerprintJSON")
    }

    /// Over HTTP: checkout's answer, the order's page and both order lists carry the bytes and headers the encoder's path
    /// gave.
    @Test func theRoutesAnswerTheEncodersBytes() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value
        try await shop.app.test(.router) { client in
            let browser = Browser(client)
            #expect(try await browser.register().status == .created)
            #expect(try await browser.send(.post, "/api/v1/cart/items", json: #"{"productId":"\#(product.id)","quantity":2}"#).status == .ok)
            let address = #"{"name":"Lan \"B\"","phone":"0901234567","line":"12/3 Lý Thường Kiệt","ward":"P7","district":"Q10","city":"TP.HCM"}"#
            let placed = try await browser.send(.post, "/api/v1/orders", json: #"{"address":\#(address),"paymentMethod":"cod","note":"a/b\n"}"#)
            #expect(placed.status == .created)
            let id = try #require(try placed.json()["id"] as? String)
            let withHistory = try await shop.orders.adminDetail(id: id).order
            #expect(withHistory.history?.count == 1)
            #expect(placed.headers[.contentType] == "application/json; charset=utf-8")
            #expect(placed.headers[.contentLength] == String(placed.body.readableBytes))
            var asPlaced = withHistory
            asPlaced.history = nil
            #expect(Array(placed.body.readableBytesView) == (try Self.encoded(asPlaced)))
            let detail = try await browser.send(.get, "/api/v1/orders/\(id)")
            #expect(detail.status == .ok)
            #expect(Array(detail.body.readableBytesView) == (try Self.encoded(withHistory)))

            // The shopper's list and the bakery's, each a page of one order without its timeline.
            let listed = try await browser.send(.get, "/api/v1/orders")
            #expect(listed.status == .ok && listed.headers[.contentLength] == String(listed.body.readableBytes))
            let expected = try JSONCoding.encoder.encode(PageResponse(Page(items: [asPlaced], request: .first, total: 1)) { $0 })
            #expect(Array(listed.body.readableBytesView) == Array(expected))
            try await shop.createAdmin()
            let bakery = Browser(client)
            #expect(try await bakery.login("boss@klelite.vn", "bakery2024").status == .ok)
            let all = try await bakery.send(.get, "/api/v1/admin/orders?limit=5")
            #expect(all.status == .ok)
            let firstFive = try PageRequest(limit: 5)
            let expectedAll = try JSONCoding.encoder.encode(PageResponse(Page(items: [asPlaced], request: firstFive, total: 1)) { $0 })
            #expect(Array(all.body.readableBytesView) == Array(expectedAll))
        }
    }
}
