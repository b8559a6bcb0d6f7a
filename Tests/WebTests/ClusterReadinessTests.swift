import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import Web

/// `/readyz` in cluster mode reports Redis, and stays 200 while Redis is down (the shop still serves most of itself).
@Suite struct ClusterReadinessTests {
    private struct Readiness: Decodable {
        let status: String
        let redis: String?
    }

    private func readiness(of shop: Shop) async throws -> Readiness {
        let settings = WebSettings(accessTokenSecret: String(repeating: "k", count: 48), staticDirectory: "/nonexistent", logRequests: false)
        let app = Application(router: buildResponder(shop, settings: settings, logger: Logger(label: "test")))
        return try await app.test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.status == .ok)
            return try JSONDecoder().decode(Readiness.self, from: Data(buffer: response.body))
        }
    }

    @Test func oneProcessReportsNoRedis() async throws {
        let single = try await readiness(of: try ShopFixture().shop)
        #expect(single.status == "ready" && single.redis == nil)
    }

    /// A cluster instance whose Redis does not answer (nothing listens on the port) is degraded, not down.
    @Test func aClusterInstanceWhoseRedisIsUnreachableIsDegraded() async throws {
        let clock = ManualClock()
        let cluster = ClusterParts(
            redis: RedisConfiguration(port: 1, connectTimeout: .milliseconds(200), commandTimeout: .milliseconds(200)),
            clock: clock,
            logger: Logger(label: "test")
        )
        let shop = Shop(
            settings: ShopSettings(bcryptCost: 4, paymentWebhookSecret: String(repeating: "w", count: 48)),
            parts: .clustered(
                database: try AppDatabase.inMemory(),
                clock: clock,
                cluster: cluster,
                mailer: FileMailer(directory: FileManager.default.temporaryDirectory.path, from: "KLeLite <no-reply@klelite.vn>", clock: clock),
                paymentProvider: nil
            ),
            logger: Logger(label: "test")
        )
        let down = try await readiness(of: shop)
        #expect(down.status == "degraded" && down.redis == "down")
        await cluster.client.close()
    }
}
