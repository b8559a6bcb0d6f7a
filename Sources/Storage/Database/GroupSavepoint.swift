import GRDB

/// A named savepoint whose three statements are prepared once per connection: `Database.inSavepoint` parses
/// `SAVEPOINT`/`RELEASE` from text on every call, which was ≈ 15 % of a single-job enqueue in a group commit. They run
/// as ordinary GRDB statements, so GRDB still sees the savepoint (transaction observers' buffered events are dropped
/// on its rollback).
struct GroupSavepoint: Sendable {
    /// Around one caller of a ``SavepointGroupCommit``.
    static let caller = GroupSavepoint(name: "klelite_caller")
    /// Around a whole group written without a savepoint per caller.
    static let group = GroupSavepoint(name: "klelite_group")

    private let beginSQL: String
    private let releaseSQL: String
    private let rollBackSQL: String

    private init(name: String) {
        beginSQL = "SAVEPOINT \(name)"
        releaseSQL = "RELEASE SAVEPOINT \(name)"
        rollBackSQL = "ROLLBACK TO SAVEPOINT \(name)"
    }

    func begin(_ db: Database) throws {
        try db.cachedStatement(sql: beginSQL).execute()
    }

    func release(_ db: Database) throws {
        try db.cachedStatement(sql: releaseSQL).execute()
    }

    /// Undoes everything since ``begin(_:)`` and ends the savepoint (a rollback alone leaves it open).
    func rollBack(_ db: Database) throws {
        try db.cachedStatement(sql: rollBackSQL).execute()
        try db.cachedStatement(sql: releaseSQL).execute()
    }
}
