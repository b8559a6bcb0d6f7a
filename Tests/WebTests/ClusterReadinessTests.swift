import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Web

/// `/readyz` in cluster mode reports Redis, and stays 200 while Redis is down (the shop still serves most of itself).
@Suite struct ClusterReadinessTests {
    private struct Readiness: Decodable {
        let status: String
        let redis: String?
    }

    private func readiness(redisUp: Bool?) async throws -> Readiness {
        var dependencies = try TestShop().dependencies
        dependencies.redisReachable = redisUp.map { up in { @Sendable in up } }
        let app = Application(router: buildRouter(dependencies, logger: Logger(label: "test")))
        return try await app.test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.status == .ok)
            return try JSONDecoder().decode(Readiness.self, from: Data(buffer: response.body))
        }
    }

    @Test func readinessReportsRedisOnlyInClusterMode() async throws {
        let single = try await readiness(redisUp: nil)
        #expect(single.status == "ready" && single.redis == nil)
        let up = try await readiness(redisUp: true)
        #expect(up.status == "ready" && up.redis == "up")
        let down = try await readiness(redisUp: false)
        #expect(down.status == "degraded" && down.redis == "down")
    }
}
