import Foundation
import Hummingbird
import Storage

/// Operations routes without the API prefix: liveness, readiness, metrics, and the API contract.
struct OpsController<Context: AppRequestContextProtocol> {
    let database: AppDatabase
    let metricsText: @Sendable () -> String
    /// Cluster mode only: whether Redis answers.
    let redisReachable: (@Sendable () async -> Bool)?
    /// The bytes of `openapi.yaml` (built in, or read from `STATIC_DIR`'s parent in development).
    let openAPI: @Sendable () -> ByteBuffer?
    let metricsAccess: MetricsAccess<Context>

    struct Status: ResponseEncodable {
        let status: String
        let migrations: Int?
        /// Cluster mode only: `up`, or `down` (the shop still browses, sells regular products and takes orders;
        /// flash-sale reservations answer 503 `stock_unavailable` until Redis is back).
        var redis: String? = nil
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in Status(status: "ok", migrations: nil) }
        router.get("/readyz") { _, _ in try await readiness() }
        router.group().add(middleware: metricsAccess).get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: metricsText()))
            )
        }
        router.get("/api/v1/openapi.yaml") { _, _ in try openAPIResponse() }
    }

    private func readiness() async throws -> Status {
        switch await database.readiness() {
        case .ready:
            let migrations = try? await database.appliedMigrationCount()
            guard let redisReachable else { return Status(status: "ready", migrations: migrations) }
            let up = await redisReachable()
            return Status(status: up ? "ready" : "degraded", migrations: migrations, redis: up ? "up" : "down")
        case .migrationsPending:
            throw AppError(.unavailable, "Database migrations have not been applied.")
        case .unreachable:
            throw AppError(.unavailable, "The database is not reachable.")
        }
    }

    private func openAPIResponse() throws -> Response {
        guard let spec = openAPI() else {
            throw AppError.notFound("The API description")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: spec)
        )
    }
}
