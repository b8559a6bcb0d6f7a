import Foundation
import GRDB

/// The one owner of the `order`, `orderLine` and `orderStatusHistory` tables (schema in ``OrderSchema``).
/// Statuses and payment methods decode strictly: a value this build does not know is an error, never a guess.
enum OrderStore {
    /// A row of `order`.
    struct Record: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "order"

        var id: String
        var code: String
        var userId: String
        var status: OrderStatus
        var paymentMethod: PaymentMethod
        var subtotal: Int
        var discount: Int
        var pointsRedeemed: Int
        var shippingFee: Int
        var total: Int
        var recipientName: String
        var recipientPhone: String
        var addressLine: String
        var ward: String
        var district: String
        var city: String
        var note: String
        var voucherCode: String?
        var idempotencyKey: String?
        var requestHash: String?
        var createdAt: Date
        var updatedAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let code = Column(CodingKeys.code)
            static let userId = Column(CodingKeys.userId)
            static let status = Column(CodingKeys.status)
            static let idempotencyKey = Column(CodingKeys.idempotencyKey)
            static let updatedAt = Column(CodingKeys.updatedAt)
        }

        init(_ order: Order, idempotencyKey: String?, requestHash: String?) {
            id = order.id
            code = order.code
            userId = order.userId
            status = order.status
            paymentMethod = order.paymentMethod
            subtotal = order.subtotal
            discount = order.discount
            pointsRedeemed = order.pointsRedeemed
            shippingFee = order.shippingFee
            total = order.total
            recipientName = order.address.name
            recipientPhone = order.address.phone
            addressLine = order.address.line
            ward = order.address.ward
            district = order.address.district
            city = order.address.city
            note = order.note
            voucherCode = order.voucherCode
            self.idempotencyKey = idempotencyKey
            self.requestHash = requestHash
            createdAt = order.createdAt
            updatedAt = order.updatedAt
        }

        func order(lines: [OrderLine]) -> Order {
            Order(
                id: id,
                code: code,
                userId: userId,
                status: status,
                paymentMethod: paymentMethod,
                subtotal: subtotal,
                discount: discount,
                pointsRedeemed: pointsRedeemed,
                shippingFee: shippingFee,
                total: total,
                address: ShippingAddress(name: recipientName, phone: recipientPhone, line: addressLine, ward: ward, district: district, city: city),
                note: note,
                voucherCode: voucherCode,
                lines: lines,
                createdAt: createdAt,
                updatedAt: updatedAt
            )
        }
    }

    /// A row of `orderLine`, in the order the lines were written.
    struct LineRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "orderLine"

        var orderId: String
        var productId: String
        var name: String
        var unitPrice: Int
        var quantity: Int
        var reservationId: String?
        var lineTotal: Int

        enum Columns {
            static let orderId = Column(CodingKeys.orderId)
        }

        var line: OrderLine {
            OrderLine(productId: productId, name: name, unitPrice: unitPrice, quantity: quantity, lineTotal: lineTotal, reservationId: reservationId)
        }
    }

    /// A row of `orderStatusHistory`.
    struct HistoryRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "orderStatusHistory"

        var id: Int64?
        var orderId: String
        var status: OrderStatus
        var changedBy: String?
        var note: String?
        var createdAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let orderId = Column(CodingKeys.orderId)
            static let status = Column(CodingKeys.status)
            static let createdAt = Column(CodingKeys.createdAt)
        }
    }

    /// The order with this id or code, with its lines; 404 when there is none.
    static func fetch(_ db: Database, id: String) throws -> Order {
        guard let order = try find(db, id: id) else { throw AppError.notFound("The order") }
        return order
    }

    /// The order with this id or code, with its lines.
    /// Prepared once per connection: the order pages, the admin and every order email (``OrderEmailJob``) read it.
    static func find(_ db: Database, id: String) throws -> Order? {
        guard let record = try Record.fetchOne(db.cachedStatement(sql: #"SELECT * FROM "order" WHERE id = ? OR code = ?"#), arguments: [id, id])
        else { return nil }
        let lines = try LineRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM orderLine WHERE orderId = ? ORDER BY rowid"),
            arguments: [record.id]
        )
        return record.order(lines: lines.map(\.line))
    }

    /// The order a user placed earlier with this Idempotency-Key, with the fingerprint of that request.
    static func placed(_ db: Database, userID: String, idempotencyKey: String) throws -> (id: String, requestHash: String?)? {
        try Record.filter(Record.Columns.userId == userID && Record.Columns.idempotencyKey == idempotencyKey).fetchOne(db)
            .map { ($0.id, $0.requestHash) }
    }

    /// How many orders have a code starting with `prefix` (the day's sequence). A range over the `code` index:
    /// `LIKE` is case-insensitive, so SQLite read every order of every day for it (a cost that grew with the shop).
    static func count(_ db: Database, codePrefix prefix: String) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: #"SELECT COUNT(*) FROM "order" WHERE code >= ? AND code < ?"#),
            arguments: [prefix, prefix + "\u{10FFFF}"]
        ) ?? 0
    }

    /// Whether `code` is an order's and `next` is not: with a day's codes always 0001…N, that `code` is the day's N.
    static func isLastCode(_ db: Database, _ code: String, next: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: #"SELECT EXISTS (SELECT 1 FROM "order" WHERE code = ?) AND NOT EXISTS (SELECT 1 FROM "order" WHERE code = ?)"#
            ),
            arguments: [code, next]
        ) ?? false
    }

    /// At most this many order lines go in by one statement: a statement per line cost its fixed work per line in the one writer.
    static let linesPerInsert = 8

    /// The `INSERT`s of 1 … ``linesPerInsert`` order lines.
    private static let lineInsertSQL: [String] = (1...linesPerInsert).map { rows in
        "INSERT INTO orderLine (orderId, productId, name, unitPrice, quantity, reservationId, lineTotal) VALUES "
            + repeatElement("(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Writes a new order, its lines and the first row of its history.
    static func insert(_ db: Database, _ order: Order, idempotencyKey: String?, requestHash: String?, by actorID: String?) throws {
        // Prepared once per connection and bound by hand: checkout runs these for every order, and encoding the
        // records through Codable and compiling their statements each time was a share of its profile. Dates without
        // GRDB's `DateFormatter` (part of its 3.6 % in the second round's profile), in the same text.
        let created = DatabaseTimestamp.value(order.createdAt)
        let updated = order.updatedAt == order.createdAt ? created : DatabaseTimestamp.value(order.updatedAt)
        try db.cachedStatement(
            sql: """
                INSERT INTO "order" (id, code, userId, status, paymentMethod, subtotal, discount, pointsRedeemed, shippingFee, total,
                    recipientName, recipientPhone, addressLine, ward, district, city, note, voucherCode, idempotencyKey, requestHash,
                    createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            order.id, order.code, order.userId, order.status.rawValue, order.paymentMethod.rawValue, order.subtotal, order.discount,
            order.pointsRedeemed, order.shippingFee, order.total, order.address.name, order.address.phone, order.address.line,
            order.address.ward, order.address.district, order.address.city, order.note, order.voucherCode, idempotencyKey, requestHash,
            created, updated,
        ])
        // The lines by one statement for up to `linesPerInsert` of them, in their order (their rowids, which the reads sort by).
        var rest = order.lines[...]
        while !rest.isEmpty {
            let lines = rest.prefix(linesPerInsert)
            rest = rest.dropFirst(lines.count)
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(7 * lines.count)
            for item in lines {
                values += [order.id, item.productId, item.name, item.unitPrice, item.quantity, item.reservationId, item.lineTotal]
            }
            try db.cachedStatement(sql: lineInsertSQL[lines.count - 1]).execute(arguments: StatementArguments(values))
        }
        try db.cachedStatement(sql: "INSERT INTO orderStatusHistory (orderId, status, changedBy, note, createdAt) VALUES (?, ?, ?, NULL, ?)")
            .execute(arguments: [order.id, order.status.rawValue, actorID, created])
    }

    /// Moves the order from `from` to `to` only if it is still `from` (a conditional update); returns whether it moved.
    static func setStatus(_ db: Database, orderID: String, from: OrderStatus, to: OrderStatus, now: Date) throws -> Bool {
        try Record.filter(Record.Columns.id == orderID && Record.Columns.status == from.rawValue)
            .updateAll(db, Record.Columns.status.set(to: to.rawValue), Record.Columns.updatedAt.set(to: now)) == 1
    }

    static func appendHistory(_ db: Database, orderID: String, status: OrderStatus, by actorID: String?, note: String?, now: Date) throws {
        try HistoryRecord(id: nil, orderId: orderID, status: status, changedBy: actorID, note: note, createdAt: now).insert(db)
    }

    /// The order's timeline, oldest first.
    static func history(_ db: Database, orderID: String) throws -> [OrderStatusChange] {
        try HistoryRecord.filter(HistoryRecord.Columns.orderId == orderID)
            .order(HistoryRecord.Columns.createdAt, HistoryRecord.Columns.id)
            .fetchAll(db)
            .map { OrderStatusChange(status: $0.status, note: $0.note, at: $0.createdAt) }
    }
}
