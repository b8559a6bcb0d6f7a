import Foundation

extension LoyaltyService {
    /// A user's balance, tier and history as the admin sees them; 404 when there is no such user
    /// (the shopper's own ``summary(userID:)`` never needs that check).
    public func summary(ofExistingUser userID: String) async throws -> LoyaltySummary {
        let exists = try await database.read { db in try UserRecord.exists(db, key: userID) }
        guard exists else { throw AppError.notFound("The user") }
        return try await summary(userID: userID)
    }
}
