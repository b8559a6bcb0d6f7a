import GRDB
import Synchronization

/// What the worker hands a ``CompletingJobHandler`` to complete the running job in the handler's own transaction:
/// the same conditional update as the worker's (on the claim's lease token, still running; a stale claim changes
/// nothing), with the handler's ``JobHandler/scrubsPayloadOnCompletion``.
final class JobCompletion: Sendable {
    let queue: JobQueue
    let job: Job
    let scrubPayload: Bool
    /// nil until recorded; then whether the claim still held (true) or was stale (false).
    private let recorded = Mutex<Bool?>(nil)

    init(queue: JobQueue, job: Job, scrubPayload: Bool) {
        self.queue = queue
        self.job = job
        self.scrubPayload = scrubPayload
    }

    /// Marks the job completed inside `db`'s transaction. Its answer counts only if that transaction commits: a handler
    /// whose write failed throws, and the worker then records the failure, never this.
    func record(_ db: Database) throws {
        let completed = try queue.complete(db, job, scrubPayload: scrubPayload, stamp: queue.completionStamp())
        recorded.withLock { $0 = completed }
    }

    /// nil when the handler did not record the completion; else whether the claim still held.
    var outcome: Bool? { recorded.withLock { $0 } }
}
