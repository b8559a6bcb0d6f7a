import Foundation
import GRDB

/// What one run of ``DemoShopSeeder/seed(anchor:credentials:)`` added.
public struct DemoShopReport: Sendable, Equatable {
    /// The moment every demo date is relative to (the first seeding).
    public var anchor: Date
    /// True when an earlier run had already completed the demo, so nothing was added.
    public var alreadySeeded = false
    public var accountsAdded = 0
    public var vouchersAdded = 0
    public var ordersPlaced = 0
    public var reviewsAdded = 0
    public var salesAdded = 0
}

/// Seeds the demo shop of ``DemoShop``: an admin, customers in every loyalty tier with forty days of orders
/// in every status and reviews of what they received, vouchers, and an ended, a running and an upcoming sale.
///
/// The services run on a ``ManualClock`` that the seeder moves forward through the demo's history, so
/// every row carries the time it would have had in a real shop and no rule is bypassed. The anchor (the
/// first seeding) is stored in `appMeta`; a later run finds the demo complete and adds nothing. A run cut
/// short is resumed by natural keys (emails, codes, slugs); a customer who has any order keeps their history.
public final class DemoShopSeeder: Sendable {
    let database: AppDatabase
    let clock: ManualClock
    /// The shop the demo is played through, so its data obeys the same rules as a real shop's: stock taken at
    /// checkout, reservations through the ledger, points on delivery, voucher limits.
    let services: Shop

    /// `clock` is the shop's clock; it must not be later than ``clockStart(anchor:)``, and the seeder moves it up
    /// to the anchor.
    public init(shop: Shop, clock: ManualClock) {
        self.database = shop.database
        self.clock = clock
        self.services = shop
    }

    /// The demo's anchor: stored (to the second) by the first call, returned unchanged by every later one.
    public static func anchor(in database: AppDatabase, now: Date) async throws -> Date {
        try await database.write { db in
            if let stored = try String.fetchOne(db, sql: "SELECT value FROM appMeta WHERE key = 'demo.anchor'"), let seconds = Double(stored) {
                return Date(timeIntervalSince1970: seconds)
            }
            let anchor = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            try db.execute(sql: "INSERT INTO appMeta (key, value) VALUES ('demo.anchor', ?)", arguments: [String(anchor.timeIntervalSince1970)])
            return anchor
        }
    }

    /// Where the seeding clock starts: before the demo's first event.
    public static func clockStart(anchor: Date) -> Date {
        anchor.addingTimeInterval(DemoShop.openedAt - DemoShop.hour)
    }

    private enum Step {
        case createSale(DemoShop.Sale)
        case place(Int)
        case status(Int, OrderStatus)
        case review(Int)
    }

    public func seed(anchor: Date, credentials: DemoCredentials) async throws -> DemoShopReport {
        var report = DemoShopReport(anchor: anchor)
        if try await database.read({ db in try String.fetchOne(db, sql: "SELECT value FROM appMeta WHERE key = 'demo.completedAt'") != nil }) {
            report.alreadySeeded = true
            return report
        }
        guard clock.now() <= Self.clockStart(anchor: anchor) else {
            throw AppError(.internalError, "The demo clock starts after the demo's first event.")
        }
        clock.set(to: anchor.addingTimeInterval(DemoShop.openedAt))

        let admin = try await adminAccount(credentials, report: &report)
        var customers: [User] = []
        for customer in DemoShop.customers {
            if let existing = try await user(email: customer.email) {
                customers.append(existing)
            } else {
                customers.append(
                    try await services.accounts.register(
                        email: customer.email,
                        password: credentials.customerPassword,
                        name: customer.name,
                        phone: customer.phone
                    )
                )
                report.accountsAdded += 1
            }
        }
        try await addVouchers(anchor: anchor, report: &report)

        // The history, in time order across customers: the ManualClock only moves forward.
        let customersWithOrders = try await database.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT userId FROM \"order\""))
        }
        var timeline: [(at: Date, step: Step)] = []
        if try await !saleExists(DemoShop.endedSale.slug) {
            timeline.append((anchor.addingTimeInterval(DemoShop.endedSale.startsAt), .createSale(DemoShop.endedSale)))
        }
        for (index, order) in DemoShop.orders.enumerated() where !customersWithOrders.contains(customers[order.customer].id) {
            let placedAt = anchor.addingTimeInterval(order.at)
            timeline.append((placedAt, .place(index)))
            for (step, status) in order.path.enumerated() {
                timeline.append((placedAt.addingTimeInterval(Double(step + 1) * order.pace), .status(index, status)))
            }
            if !order.reviews.isEmpty {
                timeline.append((placedAt.addingTimeInterval(Double(order.path.count + 1) * order.pace), .review(index)))
            }
        }
        timeline = timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)

        let adminIdentity = Identity(user: admin, sessionID: "seed-demo")
        var placed: [Int: Order] = [:]
        for event in timeline {
            clock.set(to: event.at)
            switch event.step {
            case .createSale(let sale):
                try await createSale(sale, anchor: anchor)
                report.salesAdded += 1
            case .place(let index):
                let demo = DemoShop.orders[index]
                placed[index] = try await place(demo, index: index, customer: customers[demo.customer])
                report.ordersPlaced += 1
            case .status(let index, let status):
                guard let order = placed[index] else { continue }
                let demo = DemoShop.orders[index]
                let byCustomer = status == .cancelled && demo.cancelledByCustomer
                let actor = byCustomer ? Identity(user: customers[demo.customer], sessionID: "seed-demo") : adminIdentity
                placed[index] = try await services.orders.changeStatus(orderID: order.id, to: status, by: actor)
            case .review(let index):
                let demo = DemoShop.orders[index]
                let identity = Identity(user: customers[demo.customer], sessionID: "seed-demo")
                for review in demo.reviews {
                    _ = try await services.catalog.addReview(
                        by: identity,
                        productIdOrSlug: review.product,
                        rating: review.rating,
                        comment: review.comment
                    )
                    report.reviewsAdded += 1
                }
            }
        }

        clock.set(to: anchor)
        for sale in [DemoShop.runningSale, DemoShop.upcomingSale] where try await !saleExists(sale.slug) {
            try await createSale(sale, anchor: anchor)
            report.salesAdded += 1
        }
        if try await saleExists(DemoShop.endedSale.slug) { _ = try await services.flashSales.applyTransitions() }
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO appMeta (key, value) VALUES ('demo.completedAt', ?)",
                arguments: [String(anchor.timeIntervalSince1970)]
            )
        }
        return report
    }

    private func adminAccount(_ credentials: DemoCredentials, report: inout DemoShopReport) async throws -> User {
        if let existing = try await user(email: credentials.adminEmail), existing.role == .admin { return existing }
        let (admin, created) = try await services.accounts.createAdmin(
            email: credentials.adminEmail,
            password: credentials.adminPassword,
            name: DemoShop.adminName
        )
        if created { report.accountsAdded += 1 }
        return admin
    }

    private func addVouchers(anchor: Date, report: inout DemoShopReport) async throws {
        let existing = Set(try await services.vouchers.list().map { $0.code.uppercased() })
        for var draft in DemoShop.vouchers where !existing.contains(draft.code.uppercased()) {
            if draft.code == DemoShop.expiredVoucher {
                draft.startsAt = anchor.addingTimeInterval(DemoShop.openedAt)
                draft.endsAt = anchor.addingTimeInterval(-10 * DemoShop.day)
            }
            _ = try await services.vouchers.create(draft)
            report.vouchersAdded += 1
        }
    }

    /// Places one demo order the way a shopper would: cart lines (the bakery bakes them to order, so the
    /// shop's stock is unchanged by its history) or reservations in a running sale, then checkout: cash on delivery,
    /// or a card paid through the simulated gateway.
    private func place(_ demo: DemoShop.Order, index: Int, customer: User) async throws -> Order {
        let identity = Identity(user: customer, sessionID: "seed-demo")
        for line in demo.lines {
            let product = try await services.catalog.product(idOrSlug: line.product).value
            if let sale = demo.sale {
                _ = try await services.flashSales.reserve(by: identity, saleID: sale, productID: product.id, quantity: line.quantity)
            } else {
                var restock = CatalogService.ProductDraft()
                restock.stock = product.stock + line.quantity
                _ = try await services.catalog.updateProduct(id: product.id, restock)
                _ = try await services.carts.add(.user(customer.id), productID: product.id, quantity: line.quantity)
            }
        }
        let profile = DemoShop.customers[demo.customer]
        let address = ShippingAddress(
            name: customer.name,
            phone: profile.phone,
            line: "\(12 + 7 * demo.customer) Nguyễn Huệ",
            ward: "Phường \(1 + demo.customer)",
            district: profile.district,
            city: "TP.HCM"
        )
        let order = try await services.orders.place(
            by: identity,
            CheckoutRequest(address: address, paymentMethod: demo.paidByCard ? .card : .cod, voucherCode: demo.voucher),
            idempotencyKey: "demo-order-\(index)"
        )
        guard demo.paidByCard else { return order }
        _ = try await services.payments.simulateGateway(orderID: order.id, approve: true, by: identity)
        return try await services.orders.order(id: order.id, for: identity)
    }

    private func createSale(_ sale: DemoShop.Sale, anchor: Date) async throws {
        var items: [FlashSaleDraft.Item] = []
        for item in sale.items {
            let product = try await services.catalog.product(idOrSlug: item.product).value
            items.append(.init(productId: product.id, salePrice: item.salePrice, quantity: item.quantity, perUserLimit: item.perUserLimit))
        }
        _ = try await services.flashSales.create(
            FlashSaleDraft(
                name: sale.name,
                slug: sale.slug,
                description: sale.description,
                startsAt: anchor.addingTimeInterval(sale.startsAt),
                endsAt: anchor.addingTimeInterval(sale.endsAt),
                items: items
            )
        )
    }

    private func saleExists(_ slug: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM flashSale WHERE slug = ?)", arguments: [slug]) ?? false
        }
    }

    private func user(email: String) async throws -> User? {
        try await database.read { db in try UserRecord.filter(UserRecord.Columns.email == email).fetchOne(db)?.user }
    }
}
