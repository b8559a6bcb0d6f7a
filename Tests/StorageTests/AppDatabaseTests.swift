import Foundation
import GRDB
import Testing

@testable import Storage

@Suite struct AppDatabaseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func freshDatabaseIsMigratedAndReady() async throws {
        let database = try AppDatabase.inMemory()
        #expect(await database.readiness() == .ready)
        #expect(try database.appliedMigrations() == AppMigrations.migrator.migrations)
        #expect(
            AppMigrations.migrator.migrations.prefix(5) == [
                "v1_foundation_catalog", "v2_accounts", "v3_catalog_search_reviews", "v4_jobs", "v5_notifications",
            ]
        )
    }

    @Test func fileDatabaseUsesWALAndForeignKeys() throws {
        let directory = try temporaryDirectory()
        let database = try AppDatabase.open(directory: directory)
        defer { try? database.close() }
        let (journal, foreignKeys, synchronous) = try database.writer.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            )
        }
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(synchronous == 1)  // NORMAL
    }

    @Test func schemaRefusesNegativeMoneyAndStock() throws {
        let database = try AppDatabase.inMemory()
        var product = sampleProduct(slug: "p1")
        product.price = -1
        #expect(throws: DatabaseError.self) { try database.writer.write { try product.insert($0) } }
        product.price = 1000
        product.stock = -1
        #expect(throws: DatabaseError.self) { try database.writer.write { try product.insert($0) } }
        product.stock = 0
        try database.writer.write { try product.insert($0) }
    }

    @Test func schemaRefusesProductOfUnknownCategory() throws {
        let database = try AppDatabase.inMemory()
        var product = sampleProduct(slug: "orphan")
        product.categoryId = "no-such-category"
        #expect(throws: DatabaseError.self) { try database.writer.write { try product.insert($0) } }
    }

    @Test func seedingDemoDataTwiceAddsNothingTheSecondTime() throws {
        let database = try AppDatabase.inMemory()
        let first = try database.seedDemoData(now: now)
        #expect(first.categoriesAdded == DemoCatalog.categories.count)
        #expect(first.productsAdded == DemoCatalog.products.count)
        let second = try database.seedDemoData(now: now)
        #expect(second == AppDatabase.SeedReport(categoriesAdded: 0, productsAdded: 0))
        #expect(try database.productCount() == DemoCatalog.products.count)
    }

    @Test func demoProductsHaveShippedImagesAndCategories() throws {
        let staticDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("static")
        for product in DemoCatalog.products {
            #expect(DemoCatalog.categories.contains { $0.slug == product.category })
            let image = staticDirectory.path + DemoCatalog.imagePath(for: product.slug)
            #expect(FileManager.default.fileExists(atPath: image), "missing \(image)")
        }
    }

    @Test func backupTakenWhileWritingPassesIntegrityCheck() async throws {
        let directory = try temporaryDirectory()
        let database = try AppDatabase.open(directory: directory)
        defer { try? database.close() }
        _ = try database.seedDemoData(now: now)
        let writer = Task {
            for index in 0..<300 {
                let product = sampleProduct(slug: "load-\(index)")
                try await database.writer.write { try product.insert($0) }
            }
        }
        let destination = directory + "/backups/copy.sqlite"
        var reports: [AppDatabase.BackupReport] = []
        for _ in 0..<5 {
            reports.append(try database.backup(to: destination))
        }
        try await writer.value
        #expect(reports.allSatisfy { $0.integrity == "ok" && $0.bytes > 0 })
        let copy = try DatabaseQueue(path: destination)
        let count = try await copy.read { try ProductRecord.fetchCount($0) }
        #expect(count >= DemoCatalog.products.count)
        #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
    }

    private func sampleProduct(slug: String) -> ProductRecord {
        ProductRecord(
            id: UUID().uuidString.lowercased(),
            slug: slug,
            name: "Sample \(slug)",
            description: "",
            descriptionEn: "",
            price: 10_000,
            compareAtPrice: nil,
            stock: 1,
            images: [],
            categoryId: nil,
            tags: [],
            ingredients: "",
            ingredientsEn: "",
            allergens: [],
            weightGrams: nil,
            isActive: true,
            ratingAverage: 0,
            ratingCount: 0,
            deletedAt: nil,
            createdAt: now,
            updatedAt: now
        )
    }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
