import Foundation
import Hummingbird
import Storage

/// Operations routes (mounted without the API prefix, except the contract): liveness, readiness, metrics, and the API contract.
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

    /// Mounted at `healthz`: the process answers.
    func addHealthRoutes(to group: RouterGroup<Context>) {
        // Always the same answer: encoded once, not per probe.
        let healthy = (try? JSONCoding.encoder.encode(Status(status: "ok", migrations: nil))).map { ByteBuffer(bytes: $0) }
        group.get { request, context in
            guard let healthy else { return try Status(status: "ok", migrations: nil).response(from: request, context: context) }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: healthy))
        }
    }

    /// Mounted at `readyz`: the database is reachable and migrated.
    func addReadinessRoutes(to group: RouterGroup<Context>) {
        group.get { _, _ in try await readiness() }
    }

    /// Mounted at `metrics`: the Prometheus exposition, behind ``MetricsAccess``.
    func addMetricsRoutes(to group: RouterGroup<Context>) {
        group.add(middleware: metricsAccess).get { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: metricsText()))
            )
        }
    }

    /// Mounted at `api/v1/openapi.yaml`: the API contract.
    func addContractRoutes(to group: RouterGroup<Context>) {
        group.get { _, _ in try openAPIResponse() }
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
