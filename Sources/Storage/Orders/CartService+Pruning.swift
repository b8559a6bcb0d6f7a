import Foundation
import GRDB

extension CartService {
    /// Deletes guest carts (and their lines) nobody touched since `cutoff`; a signed-in user's cart stays.
    static func pruneIdleGuestCarts(_ db: Database, before cutoff: Date) throws -> Int {
        try db.execute(sql: "DELETE FROM cart WHERE userId IS NULL AND updatedAt < ?", arguments: [cutoff])
        return db.changesCount
    }
}
