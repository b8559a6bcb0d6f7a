import Foundation
import GRDB

extension PaymentService {
    /// Deletes payment events received before `cutoff`. Webhooks older than five minutes are refused anyway, so
    /// an event that old can no longer arrive again and its id is not needed to spot a duplicate.
    static func pruneEvents(_ db: Database, before cutoff: Date) throws -> Int {
        try db.execute(sql: "DELETE FROM paymentEvent WHERE receivedAt < ?", arguments: [cutoff])
        return db.changesCount
    }
}
