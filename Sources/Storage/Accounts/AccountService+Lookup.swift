import Foundation
import GRDB

extension AccountService {
    /// A user by id inside another owner's read (for example an order's customer for the admin), or nil.
    static func user(_ db: Database, id: String) throws -> User? {
        try UserRecord.fetchOne(db, key: id)?.user
    }
}
