import Foundation
import GRDB

/// The one owner of the `flashSale` and `flashSaleItem` tables (schema in ``FlashSaleSchema``). A status this
/// build does not know is an error, never a guess.
enum FlashSaleStore {
    /// A row of `flashSale`.
    struct SaleRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "flashSale"

        var id: String
        var slug: String
        var name: String
        var description: String
        var bannerImage: String?
        var startsAt: Date
        var endsAt: Date
        var status: FlashSaleStatus
        var earlyAccessTier: String?
        var earlyAccessMinutes: Int
        var createdAt: Date
        var updatedAt: Date

        enum Columns {
            static let id = Column(CodingKeys.id)
            static let slug = Column(CodingKeys.slug)
            static let status = Column(CodingKeys.status)
            static let updatedAt = Column(CodingKeys.updatedAt)
        }

        func sale(items: [FlashSaleItem]) -> FlashSale {
            FlashSale(
                id: id,
                slug: slug,
                name: name,
                description: description,
                bannerImage: bannerImage,
                startsAt: startsAt,
                endsAt: endsAt,
                status: status,
                earlyAccessTier: earlyAccessTier,
                earlyAccessMinutes: earlyAccessMinutes,
                items: items,
                createdAt: createdAt,
                updatedAt: updatedAt
            )
        }
    }

    /// A row of `flashSaleItem`.
    struct ItemRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "flashSaleItem"

        var saleId: String
        var productId: String
        var salePrice: Int
        var quantity: Int
        var perUserLimit: Int

        enum Columns {
            static let saleId = Column(CodingKeys.saleId)
        }

        var draft: FlashSaleDraft.Item {
            FlashSaleDraft.Item(productId: productId, salePrice: salePrice, quantity: quantity, perUserLimit: perUserLimit)
        }
    }

    /// An item as a page shows it, with counts from the reservations (the ledger's live ones are laid over them).
    struct ItemView: Decodable, FetchableRecord, Sendable {
        var item: FlashSaleItem
        init(from decoder: any Decoder) throws { item = try FlashSaleItem(from: decoder) }
    }

    static func find(_ db: Database, idOrSlug: String) throws -> SaleRecord? {
        try SaleRecord.filter(SaleRecord.Columns.id == idOrSlug || SaleRecord.Columns.slug == idOrSlug).fetchOne(db)
    }

    static func status(_ db: Database, id: String) throws -> FlashSaleStatus {
        guard let sale = try SaleRecord.fetchOne(db, key: id) else { throw AppError.notFound("The flash sale") }
        return sale.status
    }

    static func setStatus(_ db: Database, id: String, _ status: FlashSaleStatus, now: Date) throws {
        _ = try SaleRecord.filter(key: id).updateAll(
            db,
            SaleRecord.Columns.status.set(to: status.rawValue),
            SaleRecord.Columns.updatedAt.set(to: now)
        )
    }

    static func items(_ db: Database, saleID: String) throws -> [FlashSaleDraft.Item] {
        try ItemRecord.filter(ItemRecord.Columns.saleId == saleID).fetchAll(db).map(\.draft)
    }

    static func insertItems(_ db: Database, saleID: String, _ items: [FlashSaleDraft.Item]) throws {
        for item in items {
            try ItemRecord(
                saleId: saleID,
                productId: item.productId,
                salePrice: item.salePrice,
                quantity: item.quantity,
                perUserLimit: item.perUserLimit
            )
            .insert(db)
        }
    }

    static func deleteItems(_ db: Database, saleID: String) throws {
        _ = try ItemRecord.filter(ItemRecord.Columns.saleId == saleID).deleteAll(db)
    }

    /// The sale's items with product names and prices and the units held and sold, by product name.
    static func itemViews(_ db: Database, saleID: String) throws -> [FlashSaleItem] {
        try ItemView.fetchAll(
            db,
            sql: """
                SELECT productId, productName, productSlug, regularPrice, salePrice, quantity, perUserLimit, held, confirmed,
                    quantity - held - confirmed AS remaining
                FROM (
                    SELECT flashSaleItem.*, product.name AS productName, product.slug AS productSlug, product.price AS regularPrice,
                        (SELECT COALESCE(SUM(quantity), 0) FROM reservation r WHERE r.saleId = flashSaleItem.saleId
                            AND r.productId = flashSaleItem.productId AND r.status IN ('reserved', 'ordered')) AS held,
                        (SELECT COALESCE(SUM(quantity), 0) FROM reservation r WHERE r.saleId = flashSaleItem.saleId
                            AND r.productId = flashSaleItem.productId AND r.status = 'confirmed') AS confirmed
                    FROM flashSaleItem JOIN product ON product.id = flashSaleItem.productId
                    WHERE flashSaleItem.saleId = ?
                )
                ORDER BY productName
                """,
            arguments: [saleID]
        ).map(\.item)
    }
}
