import Foundation

@testable import Storage

/// A catalogue over a fresh in-memory database seeded with the demo bakery, a manual clock, and an
/// upload folder in a temporary directory.
struct CatalogFixture {
    let database: AppDatabase
    let clock: ManualClock
    let catalog: CatalogService
    let accounts: AccountService
    let uploads: String

    init(seeded: Bool = true) throws {
        database = try AppDatabase.inMemory()
        clock = ManualClock()
        uploads = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)").path
        catalog = CatalogService(database: database, clock: clock, images: ProductImageStore(directory: uploads))
        accounts = AccountService(
            database: database,
            hasher: BcryptPasswordHasher(cost: 4),
            jobs: JobQueue(database: database, clock: clock),
            clock: clock
        )
        if seeded { _ = try database.seedDemoData(now: clock.now()) }
    }

    func customer(_ email: String = "lan@example.vn", name: String = "Lan") async throws -> Identity {
        let user = try await accounts.register(email: email, password: "banhmi2024", name: name, phone: nil)
        return Identity(user: user, sessionID: "test")
    }

    func admin(_ email: String = "boss@klelite.vn") async throws -> Identity {
        let (user, _) = try await accounts.createAdmin(email: email, password: "bakery2024")
        return Identity(user: user, sessionID: "test")
    }

    /// Records a delivered order of one unit of the product for the customer: reviews are for verified buyers.
    func deliver(_ productIdOrSlug: String, to customer: Identity, status: String = "delivered") async throws {
        let now = clock.now()
        try await database.write { db in
            let product = try CatalogService.fetchProduct(db, idOrSlug: productIdOrSlug, includeInactive: true)
            let orderID = UUID().uuidString.lowercased()
            try db.execute(
                sql: """
                    INSERT INTO "order" (id, code, userId, status, paymentMethod, subtotal, shippingFee, total, recipientName,
                        recipientPhone, addressLine, ward, district, city, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, 'cod', ?, 0, ?, 'Lan', '0901234567', '1 Lê Lợi', 'Bến Nghé', 'Quận 1', 'HCM', ?, ?)
                    """,
                arguments: [orderID, "KL-\(orderID.prefix(8))", customer.user.id, status, product.price, product.price, now, now]
            )
            try db.execute(
                sql: "INSERT INTO orderLine (orderId, productId, name, unitPrice, quantity, lineTotal) VALUES (?, ?, ?, ?, 1, ?)",
                arguments: [orderID, product.id, product.name, product.price, product.price]
            )
        }
    }

    func list(_ query: ProductQuery) async throws -> [String] {
        try await catalog.listProducts(query).value.items.map(\.slug)
    }

    func draft(name: String, price: Int, _ configure: (inout CatalogService.ProductDraft) -> Void = { _ in }) -> CatalogService.ProductDraft {
        var draft = CatalogService.ProductDraft()
        draft.name = name
        draft.price = price
        configure(&draft)
        return draft
    }
}
