import Foundation
import Hummingbird
import Storage

/// Operations routes without the API prefix: liveness, readiness, metrics, and the API contract.
struct OpsController<Context: AppRequestContextProtocol> {
    let database: AppDatabase
    let metricsText: @Sendable () -> String
    /// The bytes of `openapi.yaml` (built in, or read from `STATIC_DIR`'s parent in development).
    let openAPI: @Sendable () -> ByteBuffer?
    let metricsAccess: MetricsAccess<Context>

    struct Status: ResponseEncodable {
        let status: String
        let migrations: Int?
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
            return Status(status: "ready", migrations: try? await database.appliedMigrationCount())
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
