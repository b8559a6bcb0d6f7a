import Foundation
import GRDB
import Testing

@testable import Storage

/// A seeded shop with carts, flash sales and orders over the in-memory database and a manual clock.
struct OrderFixture {
    let sales: FlashSaleFixture
    let carts: CartService
    let orders: OrderService
    let jobs: JobQueue
    let notifications: NotificationService
    var catalog: CatalogFixture { sales.catalog }
    var database: AppDatabase { sales.database }

    init() throws {
        sales = try FlashSaleFixture()
        jobs = JobQueue(database: sales.database, clock: sales.clock)
        carts = CartService(database: sales.database, clock: sales.clock)
        notifications = NotificationService(database: sales.database, hub: InProcessNotificationHub(), clock: sales.clock)
        orders = OrderService(
            database: sales.database,
            clock: sales.clock,
            jobs: jobs,
            notifications: notifications,
            flashSales: sales.sales,
            pricing: Pricing(freeShippingThreshold: 500_000, shippingFee: 30_000),
            paymentMethods: Set(PaymentMethod.allCases)
        )
    }

    static let address = ShippingAddress(
        name: "Lan",
        phone: "0901234567",
        line: "12 Lý Thường Kiệt",
        ward: "Phường 7",
        district: "Quận 10",
        city: "TP.HCM"
    )

    func product(_ slug: String) async throws -> Product { try await catalog.catalog.product(idOrSlug: slug).value }

    func stock(_ slug: String) async throws -> Int { try await product(slug).stock }

    func setStock(_ slug: String, _ stock: Int) async throws {
        var change = CatalogService.ProductDraft()
        change.stock = stock
        _ = try await catalog.catalog.updateProduct(id: try await product(slug).id, change)
    }
}

@Suite struct OrderTests {
    @Test(arguments: [
        (1, 499_999, 30_000),  // just under the threshold pays shipping
        (1, 500_000, 0),  // at the threshold ships free
        (2, 250_000, 0),
        (3, 100_000, 30_000),
    ])
    func shippingIsFreeFromTheThreshold(quantity: Int, price: Int, shipping: Int) async throws {
        let fixture = try OrderFixture()
        var change = CatalogService.ProductDraft()
        change.price = price
        change.compareAtPrice = .some(nil)
        change.stock = 10
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.catalog.catalog.updateProduct(id: product.id, change)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: quantity)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(order.subtotal == quantity * price && order.shippingFee == shipping && order.total == quantity * price + shipping)
        #expect(order.lines.map(\.name) == [product.name] && order.code.hasPrefix("KL-2027"))
    }

    /// A cart line shows its product's first image; a column that is not a JSON array starting with a path (written by
    /// hand, or by an older build) shows none rather than failing the cart, and so checkout.
    @Test(
        arguments: [
            (#"["/images/a.jpg","/images/b.jpg"]"#, "/images/a.jpg"), ("[]", nil), ("not json", nil), ("[3]", nil),
            (#"{"0":"/images/a.jpg"}"#, nil), (#""/images/a.jpg""#, nil), (#"[null,"/images/a.jpg"]"#, nil),
            (#"["/images/a.jpg",3]"#, "/images/a.jpg"),
        ] as [(String, String?)]
    )
    func aCartLineShowsTheFirstImageOrNone(images: String, shown: String?) async throws {
        let fixture = try OrderFixture()
        let product = try await fixture.product("croissant-bo-phap")
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE product SET images = ? WHERE id = ?", arguments: [images, product.id])
        }
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let lines = try await fixture.carts.cart(.user(lan.user.id)).lines
        #expect(lines.map(\.image) == [shown])
        // Checkout reads the same lines without their images.
        let read = try await fixture.database.read { db in
            try CartService.load(db, owner: .user(lan.user.id), now: fixture.sales.clock.now(), images: false).lines
        }
        #expect(
            read
                == lines.map { line in
                    var line = line
                    line.image = nil
                    return line
                }
        )
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(order.lines.map(\.productId) == [product.id])
    }

    @Test func placingAnOrderTakesStockClearsTheCartAndQueuesEmailAndNotification() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        try await fixture.setStock("croissant-bo-phap", 5)
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 2)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(order.status == .pending)
        #expect(try await fixture.stock("croissant-bo-phap") == 3)
        #expect(try await fixture.carts.cart(.user(lan.user.id)).lines.isEmpty)
        let emails = try await fixture.jobs.list(status: nil, queue: EmailJob.queue, page: PageRequest()).items
        let orderEmails = emails.filter { $0.kind == OrderEmailJob.kind }
        #expect(orderEmails.count == 1)
        #expect(
            try orderEmails.first?.decodePayload(OrderEmailJob.self)
                == OrderEmailJob(orderID: order.id, status: .pending, template: .orderConfirmation)
        )
        let empty = await #expect(throws: AppError.self) {
            try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        }
        #expect(empty?.fields["cart"] != nil)
    }

    /// The stored title is Vietnamese; the type and data let a page word the notification in the shopper's language.
    @Test func orderNotificationsCarryTheCodeStatusAndTotalForEitherLanguage() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        let notifications = NotificationService(database: fixture.database, hub: InProcessNotificationHub(), clock: fixture.sales.clock)
        let placed = try #require(try await notifications.list(userID: lan.user.id, unreadOnly: false, page: PageRequest()).items.first)
        let data = try JSONDecoder().decode([String: String].self, from: Data(placed.data.utf8))
        #expect(placed.type == "order.status")
        #expect(data == ["orderId": order.id, "status": "pending", "code": order.code, "total": String(order.total)])
    }

    @Test func aRetriedCheckoutWithTheSameKeyReturnsTheFirstOrder() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
        let first = try await fixture.orders.place(by: lan, request, idempotencyKey: "key-1")
        let again = try await fixture.orders.place(by: lan, request, idempotencyKey: "key-1")
        #expect(again == first)
        let different = await #expect(throws: AppError.self) {
            try await fixture.orders.place(
                by: lan,
                CheckoutRequest(address: OrderFixture.address, note: "x", paymentMethod: .cod),
                idempotencyKey: "key-1"
            )
        }
        #expect(different?.code == .unprocessable)
        #expect(try await fixture.orders.list(.init(userID: lan.user.id), page: PageRequest()).total == 1)
    }

    /// Two carts hold the last unit and check out at once: exactly one wins, stock never goes negative.
    @Test func concurrentCheckoutsOnTheLastUnitHaveOneWinner() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 1)
        let product = try await fixture.product("croissant-bo-phap")
        var buyers: [Identity] = []
        for index in 0..<8 {
            let buyer = try await fixture.catalog.customer("b\(index)@example.vn")
            _ = try await fixture.carts.add(.user(buyer.user.id), productID: product.id, quantity: 1)
            buyers.append(buyer)
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for buyer in buyers {
                group.addTask {
                    (try? await fixture.orders.place(
                        by: buyer,
                        CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod),
                        idempotencyKey: nil
                    )) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await fixture.stock("croissant-bo-phap") == 0)
    }

    @Test func addingMoreThanTheStockIs409WithWhatIsAvailable() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("croissant-bo-phap", 2)
        let product = try await fixture.product("croissant-bo-phap")
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 2)
        let error = await #expect(throws: AppError.self) { try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1) }
        #expect(error?.code == .conflict && error?.fields["quantity"] == "only 2 available")
    }

    @Test func guestCartsMergeIntoTheUsersCartAtSignIn() async throws {
        let fixture = try OrderFixture()
        let croissant = try await fixture.product("croissant-bo-phap")
        let macaron = try await fixture.product("macaron-hop-12")
        let guest = try await fixture.carts.add(nil, productID: croissant.id, quantity: 1)
        let guestID = try #require(guest.id)
        _ = try await fixture.carts.add(.guest(guestID), productID: macaron.id, quantity: 1)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: croissant.id, quantity: 1)
        try await fixture.carts.merge(guestCartID: guestID, into: lan.user.id)
        let merged = try await fixture.carts.cart(.user(lan.user.id))
        #expect(Dictionary(uniqueKeysWithValues: merged.lines.map { ($0.productId, $0.quantity) }) == [croissant.id: 2, macaron.id: 1])
        #expect(try await fixture.carts.cart(.guest(guestID)).lines.isEmpty)
    }

    @Test func flashSaleReservationsCheckOutAtTheSalePriceAndCODSellsThem() async throws {
        let fixture = try OrderFixture()
        let sale = try await fixture.sales.croissantSale(quantity: 5, limit: 2)
        let lan = try await fixture.catalog.customer()
        let reservation = try await fixture.sales.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        #expect(try await fixture.carts.cart(.user(lan.user.id)).subtotal == 60_000)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(order.lines.count == 1 && order.lines[0].unitPrice == 30_000 && order.lines[0].reservationId == reservation.id)
        #expect(order.total == 60_000 + 30_000)
        let item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 2 && item.held == 0)
        // An ordered reservation does not expire.
        fixture.sales.clock.advance(by: 600)
        #expect(try await fixture.sales.sales.expireDue() == 0)
    }

    /// Checkout's reservation statements are prepared once per connection and `now` is bound as stored text: one shopper
    /// after another each takes only their own holds, and a hold whose expiry has passed is not taken.
    @Test func backToBackCheckoutsTakeOnlyTheirOwnUnexpiredHolds() async throws {
        let fixture = try OrderFixture()
        let sale = try await fixture.sales.croissantSale(quantity: 5, limit: 2)
        let productID = sale.items[0].productId
        var holds: [(Identity, Reservation)] = []
        for (n, quantity) in [2, 2, 1].enumerated() {
            let shopper = try await fixture.catalog.customer("holder-\(n)@example.vn")
            holds.append((shopper, try await fixture.sales.sales.reserve(by: shopper, saleID: sale.id, productID: productID, quantity: quantity)))
        }
        let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod)
        for (shopper, hold) in holds.prefix(2) {
            let order = try await fixture.orders.place(by: shopper, request, idempotencyKey: nil)
            #expect(order.lines.map(\.reservationId) == [hold.id] && order.lines[0].quantity == hold.quantity)
        }
        var item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 4 && item.held == 1)
        fixture.sales.clock.advance(by: 1000)  // past the last hold's expiry, within the sale
        let late = await #expect(throws: AppError.self) { try await fixture.orders.place(by: holds[2].0, request, idempotencyKey: nil) }
        #expect(late?.code == .validationFailed)
        item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 4)
    }

    /// Cancelling restocks regular lines and gives sold flash-sale units back, once.
    @Test func cancellingRestocksAndReleasesExactlyOnce() async throws {
        let fixture = try OrderFixture()
        try await fixture.setStock("macaron-hop-12", 4)
        let macaron = try await fixture.product("macaron-hop-12")
        let sale = try await fixture.sales.croissantSale(quantity: 5, limit: 2)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.sales.sales.reserve(by: lan, saleID: sale.id, productID: sale.items[0].productId, quantity: 2)
        _ = try await fixture.carts.add(.user(lan.user.id), productID: macaron.id, quantity: 3)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        #expect(try await fixture.stock("macaron-hop-12") == 1)
        let cancelled = try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan)
        #expect(cancelled.status == .cancelled)
        #expect(try await fixture.stock("macaron-hop-12") == 4)
        let item = try await fixture.sales.sales.sale(idOrSlug: sale.id).items[0]
        #expect(item.confirmed == 0 && item.held == 0 && item.remaining == 5)
        let again = await #expect(throws: AppError.self) { try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan) }
        #expect(again?.code == .conflict)
        #expect(try await fixture.stock("macaron-hop-12") == 4)
    }

    @Test func onlyTheDocumentedTransitionsAreAllowedAndCustomersMayOnlyCancelEarly() async throws {
        let fixture = try OrderFixture()
        let admin = try await fixture.catalog.admin()
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        await #expect(throws: AppError.self) { try await fixture.orders.changeStatus(orderID: order.id, to: .shipping, by: admin) }
        // The owner's note on a change is shown to the shopper: checked as free text and stored trimmed.
        let control = await #expect(throws: AppError.self) {
            try await fixture.orders.changeStatus(orderID: order.id, to: .confirmed, by: admin, note: "ok\u{0}hidden")
        }
        #expect(control?.fields["note"] != nil)
        let long = String(repeating: "a", count: 501)
        await #expect(throws: AppError.self) { try await fixture.orders.changeStatus(orderID: order.id, to: .confirmed, by: admin, note: long) }
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .confirmed, by: admin, note: "  Gọi trước khi giao\n\n   ")
        #expect(try await fixture.orders.order(id: order.id, for: lan).history?.last?.note == "Gọi trước khi giao")
        _ = try await fixture.orders.changeStatus(orderID: order.id, to: .preparing, by: admin, note: "   ")
        let late = await #expect(throws: AppError.self) { try await fixture.orders.changeStatus(orderID: order.id, to: .cancelled, by: lan) }
        #expect(late?.code == .conflict)
        for status in [OrderStatus.shipping, .delivered] { _ = try await fixture.orders.changeStatus(orderID: order.id, to: status, by: admin) }
        let history = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT status FROM orderStatusHistory WHERE orderId = ? ORDER BY id", arguments: [order.id])
        }
        #expect(history == ["pending", "confirmed", "preparing", "shipping", "delivered"])
        let minh = try await fixture.catalog.customer("minh@example.vn")
        await #expect(throws: AppError.notFound("The order")) { try await fixture.orders.order(id: order.id, for: minh) }
    }

    /// The order holds the text that was checked: every field trimmed (blank padding is not stored), and the voucher's own
    /// code however the shopper typed it. Idempotency still compares the request as sent.
    @Test func theOrderStoresTheCheckedTextNotThePadding() async throws {
        let fixture = try OrderFixture()
        let vouchers = VoucherService(database: fixture.database, clock: fixture.sales.clock)
        _ = try await vouchers.create(VoucherDraft(code: "BANH10", kind: .fixed, value: 10_000))
        let product = try await fixture.product("croissant-bo-phap")
        try await fixture.setStock("croissant-bo-phap", 10)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let padding = String(repeating: " ", count: 5_000) + "\n\t"
        let padded = ShippingAddress(
            name: "\(padding)Lan\(padding)",
            phone: " 0901234567\n",
            line: "12 Lý Thường Kiệt\(padding)",
            ward: "\nPhường 7",
            district: " Quận 10 ",
            city: "TP.HCM\r\n"
        )
        let request = CheckoutRequest(address: padded, note: "\n  Giao buổi sáng\n\(padding)", paymentMethod: .cod, voucherCode: " banh10 \n")
        let order = try await fixture.orders.place(by: lan, request, idempotencyKey: "padded-1")
        #expect(order.address == OrderFixture.address)
        #expect(order.note == "Giao buổi sáng")
        #expect(order.voucherCode == "BANH10" && order.discount == 10_000)
        let stored = try await fixture.orders.order(id: order.id, for: lan)
        #expect(stored.address == OrderFixture.address && stored.note == "Giao buổi sáng" && stored.voucherCode == "BANH10")
        // The same request again is the same order; the same key with the trimmed request is a different one.
        #expect(try await fixture.orders.place(by: lan, request, idempotencyKey: "padded-1").id == order.id)
        let trimmed = CheckoutRequest(address: OrderFixture.address, note: "Giao buổi sáng", paymentMethod: .cod, voucherCode: "BANH10")
        await #expect(throws: AppError(.unprocessable, "This Idempotency-Key was used for a different order.")) {
            try await fixture.orders.place(by: lan, trimmed, idempotencyKey: "padded-1")
        }
    }

    @Test func anIncompleteAddressNamesEveryMissingField() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        let address = ShippingAddress(name: "", phone: "abc", line: "x", ward: "", district: "d", city: "c")
        let error = await #expect(throws: AppError.self) {
            try await fixture.orders.place(by: lan, CheckoutRequest(address: address, paymentMethod: .cod), idempotencyKey: nil)
        }
        #expect(Set(error?.fields.keys.map { $0 } ?? []) == ["address.name", "address.phone", "address.ward"])
    }
}

@Suite struct OrderListTests {
    @Test func adminsFilterOrdersByStatusDatesAndCodeOrEmail() async throws {
        let fixture = try OrderFixture()
        let product = try await fixture.product("croissant-bo-phap")
        try await fixture.setStock("croissant-bo-phap", 10)
        var placed: [Order] = []
        for email in ["lan@example.vn", "minh@example.vn"] {
            let buyer = try await fixture.catalog.customer(email)
            _ = try await fixture.carts.add(.user(buyer.user.id), productID: product.id, quantity: 1)
            placed.append(
                try await fixture.orders.place(by: buyer, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
            )
            fixture.sales.clock.advance(by: 2 * 24 * 3600)
        }
        let admin = try await fixture.catalog.admin()
        _ = try await fixture.orders.changeStatus(orderID: placed[1].id, to: .confirmed, by: admin)
        func codes(_ filter: OrderService.Filter) async throws -> [String] {
            try await fixture.orders.list(filter, page: PageRequest()).items.map(\.code)
        }
        #expect(try await codes(.init()) == [placed[1].code, placed[0].code])
        #expect(try await codes(.init(search: "minh@")) == [placed[1].code])
        #expect(try await codes(.init(search: placed[0].code)) == [placed[0].code])
        #expect(try await codes(.init(status: .confirmed)) == [placed[1].code])
        #expect(try await codes(.init(from: placed[0].createdAt + 1)) == [placed[1].code])
        #expect(try await codes(.init(to: placed[1].createdAt)) == [placed[0].code])
    }
}
