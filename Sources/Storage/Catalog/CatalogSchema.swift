import GRDB

/// The catalogue's search index, reviews and change counter (migration `v3_catalog_search_reviews`).
///
/// Triggers keep both derived structures right in the same transaction as the change, whoever makes it
/// (the server, `klelite seed-demo`, another instance on the same file):
/// - `productSearch`, an FTS5 index of name, tags and description with diacritics removed. The tokenizer
///   folds "á", "ơ", "ư"… but not "đ", which Unicode treats as a letter of its own, so the triggers map
///   đ/Đ to d/D and queries are folded the same way (``ProductSearch``).
/// - `catalogVersion`, a single counter bumped by every write to products, categories and reviews; cached
///   catalogue responses are valid only for the version they were read at.
enum CatalogSchema {
    static func v3SearchAndReviews(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE productSearch USING fts5(
                    name, tags, description, tokenize = 'unicode61 remove_diacritics 2'
                );
                CREATE TRIGGER product_search_insert AFTER INSERT ON product BEGIN
                    INSERT INTO productSearch (rowid, name, tags, description)
                    VALUES (new.rowid, \(fold("new.name")), \(fold("new.tags")), \(fold("new.description")));
                END;
                CREATE TRIGGER product_search_update AFTER UPDATE OF name, tags, description ON product BEGIN
                    DELETE FROM productSearch WHERE rowid = old.rowid;
                    INSERT INTO productSearch (rowid, name, tags, description)
                    VALUES (new.rowid, \(fold("new.name")), \(fold("new.tags")), \(fold("new.description")));
                END;
                CREATE TRIGGER product_search_delete AFTER DELETE ON product BEGIN
                    DELETE FROM productSearch WHERE rowid = old.rowid;
                END;
                INSERT INTO productSearch (rowid, name, tags, description)
                    SELECT rowid, \(fold("name")), \(fold("tags")), \(fold("description")) FROM product;

                CREATE TABLE catalogVersion (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL
                );
                INSERT INTO catalogVersion (id, version) VALUES (1, 1);
                """
        )
        try db.create(table: "review") { t in
            t.primaryKey("id", .text)
            t.belongsTo("product", onDelete: .cascade).notNull()
            t.belongsTo("user", onDelete: .cascade).notNull()
            t.column("rating", .integer).notNull().check { $0 >= 1 && $0 <= 5 }
            t.column("comment", .text).notNull().defaults(to: "").check { length($0) <= 2000 }
            t.column("createdAt", .datetime).notNull()
            t.uniqueKey(["productId", "userId"])
        }
        for table in ["product", "category", "review"] {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_\(event.lowercased())_bumps_catalog_version AFTER \(event) ON \(table) BEGIN
                            UPDATE catalogVersion SET version = version + 1 WHERE id = 1;
                        END
                        """
                )
            }
        }
        try db.create(index: "product_on_createdAt", on: "product", columns: ["createdAt"])
        try db.create(index: "product_on_ratingAverage", on: "product", columns: ["ratingAverage"])
        try db.create(index: "product_on_name", on: "product", columns: ["name"])
    }

    /// An English description beside the Vietnamese one (`description`). Search finds a product by either: the
    /// index's `description` column holds both, so the update trigger is re-created to watch the new column too.
    static func v13DescriptionEn(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE product ADD COLUMN descriptionEn TEXT NOT NULL DEFAULT '' CHECK (length(descriptionEn) <= 5000);
                DROP TRIGGER product_search_insert;
                DROP TRIGGER product_search_update;
                CREATE TRIGGER product_search_insert AFTER INSERT ON product BEGIN
                    INSERT INTO productSearch (rowid, name, tags, description)
                    VALUES (new.rowid, \(fold("new.name")), \(fold("new.tags")), \(fold("new.description || ' ' || new.descriptionEn")));
                END;
                CREATE TRIGGER product_search_update AFTER UPDATE OF name, tags, description, descriptionEn ON product BEGIN
                    DELETE FROM productSearch WHERE rowid = old.rowid;
                    INSERT INTO productSearch (rowid, name, tags, description)
                    VALUES (new.rowid, \(fold("new.name")), \(fold("new.tags")), \(fold("new.description || ' ' || new.descriptionEn")));
                END;
                """
        )
    }

    /// English beside the Vietnamese for the other texts a shopper reads: a product's ingredients (`ingredientsEn`)
    /// and a category's description (`category.descriptionEn`). Neither is searched, so no trigger changes.
    static func v14CatalogTextsEn(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE product ADD COLUMN ingredientsEn TEXT NOT NULL DEFAULT '' CHECK (length(ingredientsEn) <= 5000);
                ALTER TABLE category ADD COLUMN descriptionEn TEXT NOT NULL DEFAULT '' CHECK (length(descriptionEn) <= 5000);
                """
        )
    }

    /// SQL that maps đ/Đ to d/D in a column, the one fold the FTS5 tokenizer leaves out.
    private static func fold(_ column: String) -> String {
        "replace(replace(\(column), 'đ', 'd'), 'Đ', 'D')"
    }
}
