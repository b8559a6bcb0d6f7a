import Foundation
import Hummingbird
import Storage

/// `/api/v1/admin/jobs`: the queue as the admin sees it — filter by status and queue, retry dead jobs.
struct AdminJobsController<Context: AppRequestContextProtocol> {
    let jobs: JobQueue

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.get("counts", use: counts)
        group.post(":id/retry", use: retry)
    }

    /// A job without its payload (which may hold a secret until sent).
    struct JobResponse: ResponseEncodable {
        let id: Int64
        let queue: String
        let kind: String
        let status: String
        let priority: Int
        let attempts: Int
        let maxAttempts: Int
        let runAt: Date
        let lastError: String?
        let createdAt: Date
        let updatedAt: Date
        let completedAt: Date?

        init(_ job: Job) {
            id = job.id ?? 0
            queue = job.queue
            kind = job.kind
            status = job.status.rawValue
            priority = job.priority
            attempts = job.attempts
            maxAttempts = job.maxAttempts
            runAt = job.runAt
            lastError = job.lastError
            createdAt = job.createdAt
            updatedAt = job.updatedAt
            completedAt = job.completedAt
        }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> PageResponse<JobResponse> {
        let page = try await jobs.list(
            status: try request.choiceQuery("status", as: JobStatus.self),
            queue: request.textQuery("queue"),
            sort: try request.sortQuery(as: JobSortKey.self) ?? .newestJobs,
            page: try PageRequest(query: request)
        )
        return PageResponse(page, JobResponse.init)
    }

    /// Every queue's count per status, zeros included.
    @Sendable func counts(_ request: Request, context: Context) async throws -> ListResponse<JobCount> {
        ListResponse(items: try await jobs.countsByQueue())
    }

    @Sendable func retry(_ request: Request, context: Context) async throws -> JobResponse {
        guard let id = Int64(try context.parameters.require("id")) else { throw AppError.notFound("The job") }
        return JobResponse(try await jobs.retry(id: id))
    }
}

extension JobCount: ResponseEncodable {}
