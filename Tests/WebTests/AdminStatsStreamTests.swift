import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@testable import Storage
@testable import Web

/// The live dashboard stream (`GET /api/v1/admin/stats/stream`): who may keep it open, and what it listens to.
@Suite struct AdminStatsStreamTests {
    /// Every way an admin loses the dashboard while its stream is open.
    enum Revocation: String, CaseIterable, Sendable {
        case signOut
        case signOutEverywhere
        case disabled
        case demoted
        /// The sessions ended by another process (another instance, the CLI): no hub hears of it here.
        case revokedElsewhere
    }

    private func userID(_ response: TestResponse) throws -> String {
        try #require((try response.json()["user"] as? [String: Any])?["id"] as? String)
    }

    /// The router transport collects the whole body, so the stream's request returns only once the stream ended: before
    /// the fix it never did (the time limit fails the test instead of hanging the suite).
    @Test(.timeLimit(.minutes(1)), arguments: Revocation.allCases)
    func aRevokedAdminsDashboardStreamEndsAndSendsNoMoreFigures(_ revocation: Revocation) async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.createAdmin(email: "owner@klelite.vn", password: "bakery2024")
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            let adminID = try userID(try await admin.login("boss@klelite.vn", "bakery2024"))
            let owner = Browser(client)
            _ = try await owner.login("owner@klelite.vn", "bakery2024")
            let stream = Task { try await admin.send(.get, "/api/v1/admin/stats/stream") }
            try await eventually("the stream is open") { shop.clock.sleeperCount >= 1 }

            switch revocation {
            case .signOut:
                #expect(try await admin.send(.post, "/api/v1/auth/logout").status == .noContent)
            case .signOutEverywhere:
                #expect(try await admin.send(.post, "/api/v1/auth/logout-all").status == .noContent)
            case .disabled:
                #expect(try await owner.send(.patch, "/api/v1/admin/users/\(adminID)", json: #"{"disabled":true}"#).status == .ok)
            case .demoted:
                #expect(try await owner.send(.patch, "/api/v1/admin/users/\(adminID)", json: #"{"role":"customer"}"#).status == .ok)
            case .revokedElsewhere:
                try await shop.accounts.endAllSessions(userID: adminID)
            }
            // Figures that move after the revocation: an open stream would send them.
            try await shop.database.write { db in
                try AdminStatsRoutesTests.insertOrder(db, userID: adminID, status: "pending", total: 90_000, at: shop.clock.now())
            }

            let response = try await stream.value
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            #expect(body.components(separatedBy: "event: stats\n").count == 2, "only the figures sent on opening")
            #expect(!body.contains("\"pendingOrders\":1"))
            try await eventually("the stream let go of its subscriptions") { shop.hub.subscriberCount == 0 }
        }
    }

    @Test func changesTickWhenAnotherProcessCommits() async throws {
        let shop = try ShopFixture()
        let ticks = shop.stats.changes()
        let received = Mutex(0)
        let listener = Task { for await _ in ticks { received.withLock { $0 += 1 } } }
        // What the data_version watcher calls when another process (the CLI, another instance) committed.
        shop.database.externalChangeSeen()
        try await eventually("a tick after another process's commit") { received.withLock { $0 } >= 1 }
        listener.cancel()
    }

    @Test func openingTheChangesDoesNotWaitForTheWriter() async throws {
        let shop = try ShopFixture()
        let writerHeld = Mutex(false)
        let opened = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        let writer = Task {
            try await shop.database.write { _ in
                writerHeld.withLock { $0 = true }
                release.wait()
            }
        }
        try await eventually("the writer is busy") { writerHeld.withLock { $0 } }
        let stats = shop.stats
        let opening = Task { @Sendable in
            _ = stats.changes()
            opened.withLock { $0 = true }
        }
        let outcome = await Task { @Sendable in try await eventually("the changes opened while the writer was busy") { opened.withLock { $0 } } }
            .result
        release.signal()
        try await writer.value
        await opening.value
        try outcome.get()
    }
}
