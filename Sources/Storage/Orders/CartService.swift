import Foundation
import GRDB

/// Whose cart: a signed-in user's, or a guest's (identified by a random id kept in a cookie).
public enum CartOwner: Sendable, Equatable {
    case user(String)
    case guest(String)
}

/// One product line of a cart, priced now (prices are never taken from the client).
public struct CartLine: Sendable, Equatable, Codable {
    public var productId: String
    public var slug: String
    public var name: String
    public var image: String?
    public var unitPrice: Int
    public var quantity: Int
    public var lineTotal: Int
    /// Units in stock right now.
    public var available: Int
}

/// A cart with its lines, and — for a signed-in user — their held flash-sale reservations, which check out
/// at the sale price until they expire.
public struct Cart: Sendable, Equatable, Codable {
    public var id: String?
    public var lines: [CartLine]
    public var reservations: [Reservation]
    public var subtotal: Int

    /// The cart of someone who has not added anything yet.
    public static let empty = Cart(id: nil, lines: [], reservations: [], subtotal: 0)
}

/// Server-side carts. Quantities are checked against stock when added (409 with what is available);
/// checkout checks again atomically.
public final class CartService: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    public init(database: AppDatabase, clock: any AppClock) {
        self.database = database
        self.clock = clock
    }

    public func cart(_ owner: CartOwner) async throws -> Cart {
        let now = clock.now()
        return try await database.read { db in try Self.load(db, owner: owner, now: now) }
    }

    /// Adds units of a product (to what the cart already holds). A guest without a cart gets one: its id is
    /// in the returned cart.
    public func add(_ owner: CartOwner?, productID: String, quantity: Int) async throws -> Cart {
        guard (1...99).contains(quantity) else {
            throw AppError.validation("The quantity must be 1 to 99.", fields: ["quantity": "must be a whole number from 1 to 99"])
        }
        let now = clock.now()
        return try await database.write { db in
            // A guest cookie that names no cart (stale, pruned or made up) starts a new cart, like no cookie.
            var existing: (owner: CartOwner, cartID: String)?
            if let owner, let cartID = try Self.cartID(db, owner: owner, create: true, now: now) { existing = (owner, cartID) }
            let (resolved, cartID) = try existing ?? Self.newGuestCart(db, now: now)
            let current =
                try Int.fetchOne(db, sql: "SELECT quantity FROM cartItem WHERE cartId = ? AND productId = ?", arguments: [cartID, productID]) ?? 0
            try Self.setQuantity(db, cartID: cartID, productID: productID, quantity: current + quantity, now: now)
            return try Self.load(db, owner: resolved, now: now)
        }
    }

    /// Sets a line's quantity; 0 removes it.
    public func set(_ owner: CartOwner, productID: String, quantity: Int) async throws -> Cart {
        guard (0...99).contains(quantity) else {
            throw AppError.validation("The quantity must be 0 to 99.", fields: ["quantity": "must be a whole number from 0 to 99"])
        }
        let now = clock.now()
        return try await database.write { db in
            guard let cartID = try Self.cartID(db, owner: owner, create: false, now: now),
                try Int.fetchOne(db, sql: "SELECT 1 FROM cartItem WHERE cartId = ? AND productId = ?", arguments: [cartID, productID]) != nil
            else { throw AppError.notFound("The cart line") }
            if quantity == 0 {
                try db.execute(sql: "DELETE FROM cartItem WHERE cartId = ? AND productId = ?", arguments: [cartID, productID])
            } else {
                try Self.setQuantity(db, cartID: cartID, productID: productID, quantity: quantity, now: now)
            }
            return try Self.load(db, owner: owner, now: now)
        }
    }

    public func clear(_ owner: CartOwner) async throws {
        let now = clock.now()
        try await database.write { db in
            if let cartID = try Self.cartID(db, owner: owner, create: false, now: now) {
                try Self.empty(db, cartID: cartID)
            }
        }
    }

    /// Moves a guest cart's lines into the user's cart at sign-in (quantities add up, capped by stock),
    /// then deletes the guest cart.
    public func merge(guestCartID: String, into userID: String) async throws {
        let now = clock.now()
        try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cart WHERE id = ? AND userId IS NULL)", arguments: [guestCartID]) == true
            else {
                return
            }
            guard let userCart = try Self.cartID(db, owner: .user(userID), create: true, now: now) else { return }
            // Lines of products that were hidden or deleted since they were added are dropped, not merged:
            // they must never stand between a guest and signing in.
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT cartItem.productId, cartItem.quantity, product.stock FROM cartItem JOIN product ON product.id = cartItem.productId
                    WHERE cartId = ? AND product.deletedAt IS NULL AND product.isActive
                    """,
                arguments: [guestCartID]
            )
            for line in lines {
                let productID: String = line["productId"]
                let current =
                    try Int.fetchOne(db, sql: "SELECT quantity FROM cartItem WHERE cartId = ? AND productId = ?", arguments: [userCart, productID])
                    ?? 0
                let wanted = min(current + (line["quantity"] as Int), line["stock"] as Int, 99)
                if wanted > 0 { try Self.setQuantity(db, cartID: userCart, productID: productID, quantity: wanted, now: now, checkStock: false) }
            }
            try db.execute(sql: "DELETE FROM cart WHERE id = ?", arguments: [guestCartID])
        }
    }

    // MARK: - Helpers

    static func newGuestCart(_ db: Database, now: Date) throws -> (owner: CartOwner, cartID: String) {
        let id = SecureToken.generate()
        try db.execute(sql: "INSERT INTO cart (id, userId, createdAt, updatedAt) VALUES (?, NULL, ?, ?)", arguments: [id, now, now])
        return (.guest(id), id)
    }

    /// Whether a guest cookie names a guest cart that exists (else adding to it starts a new one).
    public func guestCartExists(_ id: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cart WHERE id = ? AND userId IS NULL)", arguments: [id]) ?? false
        }
    }

    static func cartID(_ db: Database, owner: CartOwner, create: Bool, now: Date) throws -> String? {
        switch owner {
        case .guest(let id):
            return try String.fetchOne(db, sql: "SELECT id FROM cart WHERE id = ? AND userId IS NULL", arguments: [id])
        case .user(let userID):
            if let id = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM cart WHERE userId = ?"), arguments: [userID]) { return id }
            guard create else { return nil }
            let id = UUID().uuidString.lowercased()
            try db.execute(sql: "INSERT INTO cart (id, userId, createdAt, updatedAt) VALUES (?, ?, ?, ?)", arguments: [id, userID, now, now])
            return id
        }
    }

    static func setQuantity(_ db: Database, cartID: String, productID: String, quantity: Int, now: Date, checkStock: Bool = true) throws {
        guard
            let stock = try Int.fetchOne(
                db,
                sql: "SELECT stock FROM product WHERE id = ? AND deletedAt IS NULL AND isActive",
                arguments: [productID]
            )
        else {
            throw AppError.validation("No such product.", fields: ["productId": "must be a product on sale"])
        }
        guard quantity <= 99 else {
            throw AppError.validation("At most 99 of one product.", fields: ["quantity": "must be at most 99 in all"])
        }
        if checkStock, quantity > stock {
            throw AppError(
                .conflict,
                stock == 0 ? "This product is sold out." : "Only \(stock) left.",
                fields: ["quantity": "only \(stock) available"]
            )
        }
        try db.execute(
            sql: """
                INSERT INTO cartItem (cartId, productId, quantity, addedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (cartId, productId) DO UPDATE SET quantity = excluded.quantity
                """,
            arguments: [cartID, productID, quantity, now]
        )
        try db.execute(sql: "UPDATE cart SET updatedAt = ? WHERE id = ?", arguments: [now, cartID])
    }

    /// Removes every line of the cart (cleared by its owner, or checked out).
    static func empty(_ db: Database, cartID: String) throws {
        try db.cachedStatement(sql: "DELETE FROM cartItem WHERE cartId = ?").execute(arguments: [cartID])
    }

    /// A cart's lines: product id, slug, name, price, stock, quantity and first image, in the order they were added.
    private static let linesSQL = linesSQL(
        image: """
            CASE WHEN NOT json_valid(product.images) THEN NULL
                WHEN json_type(product.images, '$[0]') = 'text' THEN json_extract(product.images, '$[0]') END
            """
    )

    /// The same lines with no image.
    private static let linesWithoutImagesSQL = linesSQL(image: "NULL")

    private static func linesSQL(image: String) -> String {
        """
        SELECT product.id, product.slug, product.name, product.price, product.stock, cartItem.quantity, \(image) AS image
        FROM cartItem JOIN product ON product.id = cartItem.productId
        WHERE cartItem.cartId = ? AND product.deletedAt IS NULL AND product.isActive ORDER BY cartItem.addedAt, product.id
        """
    }

    /// The cart with its lines (products still on sale) and held reservations; checkout reads the same one, without the
    /// lines' images (`images: false`), which an order does not show.
    static func load(_ db: Database, owner: CartOwner, now: Date, images: Bool = true) throws -> Cart {
        let cartID = try cartID(db, owner: owner, create: false, now: now)
        let lines: [CartLine] =
            try cartID.map { id -> [CartLine] in
                // Prepared once per connection: checkout and every cart view run it. A line shows the product's first
                // image, picked out by SQLite's JSON functions (a `JSONDecoder` per line was 1.1 % of a checkout's
                // server CPU, in the writer); text that is not a JSON array starting with a string gives no image.
                // Checkout, in the one writer, skips those three JSON parses per line. Columns are read by position.
                try Row.fetchAll(db.cachedStatement(sql: images ? linesSQL : linesWithoutImagesSQL), arguments: [id]).map { row -> CartLine in
                    let price: Int = row[3]
                    let quantity: Int = row[5]
                    return CartLine(
                        productId: row[0],
                        slug: row[1],
                        name: row[2],
                        image: row[6],
                        unitPrice: price,
                        quantity: quantity,
                        lineTotal: price * quantity,
                        available: row[4]
                    )
                }
            } ?? []
        var reservations: [Reservation] = []
        if case .user(let userID) = owner {
            reservations = try ReservationStore.held(db, userID: userID, now: now)
        }
        let productTotal = lines.map(\.lineTotal).reduce(0, +)
        let saleTotal = reservations.map { $0.salePrice * $0.quantity }.reduce(0, +)
        let subtotal = productTotal + saleTotal
        return Cart(id: cartID, lines: lines, reservations: reservations, subtotal: subtotal)
    }
}
