import GRDB

/// Changes a constraint SQLite cannot alter in place (a CHECK list, a foreign key's action) the way SQLite
/// documents it: create the edited table under another name, copy the rows, drop the old table, rename the
/// new one, and re-create its indexes and triggers. Used by migrations only (foreign keys are checked by the
/// migrator at the end). The table's current definition is edited rather than restated, so columns other
/// migrations added survive the rebuild.
enum TableRebuild {
    struct EditFailed: Error, CustomStringConvertible {
        let table: String
        var description: String { "the definition of table \(table) did not contain what the migration expected to change" }
    }

    /// Rebuilds `table` from its `CREATE TABLE` statement after `edit`; throws when the edit changed nothing.
    static func rebuild(_ db: Database, table: String, edit: (String) -> String) throws {
        guard let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw EditFailed(table: table) }
        let edited = edit(definition)
        guard edited != definition, let editedStart = edited.firstIndex(of: "(") else { throw EditFailed(table: table) }
        let dependents = try String.fetchAll(
            db,
            sql: "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type",
            arguments: [table]
        )
        let rebuilt = "\(table)_rebuilt"
        try db.execute(sql: "CREATE TABLE \(rebuilt.quotedDatabaseIdentifier) " + edited[editedStart...])
        try db.execute(sql: "INSERT INTO \(rebuilt.quotedDatabaseIdentifier) SELECT * FROM \(table.quotedDatabaseIdentifier)")
        try db.execute(sql: "DROP TABLE \(table.quotedDatabaseIdentifier)")
        try db.execute(sql: "ALTER TABLE \(rebuilt.quotedDatabaseIdentifier) RENAME TO \(table.quotedDatabaseIdentifier)")
        for statement in dependents { try db.execute(sql: statement) }
    }
}
