import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

/// The reads the admin console needs beyond the original admin API: any user's loyalty account, and job counts
/// per queue and status.
@Suite struct AdminConsoleRoutesTests {
    @Test func adminsReadAnyUsersLoyaltyAccountAndShoppersCannot() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            let shopper = Browser(client)
            let registered = try await shopper.register()
            let userID = try #require((try registered.json()["user"] as? [String: Any])?["id"] as? String)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let adjusted = try await admin.send(.post, "/api/v1/admin/loyalty/\(userID)/adjust", json: #"{"points":120,"reason":"Bánh bị cháy"}"#)
            #expect(adjusted.status == .ok)

            let summary = try await admin.send(.get, "/api/v1/admin/loyalty/\(userID)")
            #expect(summary.status == .ok)
            #expect(try summary.json()["balance"] as? Int == 120)
            let history = try #require(try summary.json()["history"] as? [[String: Any]])
            #expect(history.first?["reason"] as? String == "Bánh bị cháy")
            #expect(try await admin.send(.get, "/api/v1/admin/loyalty/no-such-user").status == .notFound)
            #expect(try await shopper.send(.get, "/api/v1/admin/loyalty/\(userID)").status == .forbidden)
        }
    }

    @Test func jobCountsCoverEveryQueueAndStatusAndMoveWithTheQueue() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            func count(_ queue: String, _ status: String) async throws -> Int? {
                let response = try await admin.send(.get, "/api/v1/admin/jobs/counts")
                #expect(response.status == .ok)
                let items = try #require(try response.json()["items"] as? [[String: Any]])
                return items.first { $0["queue"] as? String == queue && $0["status"] as? String == status }?["count"] as? Int
            }
            #expect(try await count("notifications", "dead") == 0)
            let before = try #require(try await count("email", "queued"))
            let shopper = Browser(client)
            try await shopper.register()  // enqueues the welcome email
            #expect(try await count("email", "queued") == before + 1)
            _ = try await shop.deliveredMail()
            #expect(try await count("email", "queued") == 0)
            #expect(try await count("email", "completed") == before + 1)
            #expect(try await shopper.send(.get, "/api/v1/admin/jobs/counts").status == .forbidden)
        }
    }
}

@Suite struct BroadcastProgressRoutesTests {
    @Test func aBroadcastsProgressFollowsItsJobFromQueuedToEveryUserReached() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            for index in 0..<3 { try await Browser(client).register("shopper\(index)@example.vn") }
            let sent = try await admin.send(.post, "/api/v1/admin/notifications", json: #"{"title":"Bánh mới","body":"Mời ghé tiệm"}"#)
            #expect(sent.status == .accepted)
            let id = try #require(try sent.json()["broadcastId"] as? String)

            let queued = try await admin.send(.get, "/api/v1/admin/notifications/\(id)")
            #expect(queued.status == .ok)
            #expect(try queued.json()["status"] as? String == "queued")
            #expect(try queued.json()["delivered"] as? Int == 0)
            #expect(try queued.json()["recipients"] as? Int == 4)

            try await shop.workers.drain(queue: BroadcastJob.queue)
            let done = try await admin.send(.get, "/api/v1/admin/notifications/\(id)")
            #expect(try done.json()["status"] as? String == "completed")
            #expect(try done.json()["delivered"] as? Int == 4)

            #expect(try await admin.send(.get, "/api/v1/admin/notifications/no-such-broadcast").status == .notFound)
            let shopper = Browser(client)
            try await shopper.login("shopper0@example.vn", "banhmi2024")
            #expect(try await shopper.send(.get, "/api/v1/admin/notifications/\(id)").status == .forbidden)
        }
    }
}
