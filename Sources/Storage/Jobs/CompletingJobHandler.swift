/// A handler that records its own job's completion inside the transaction of its last write, so that what the job did
/// and the job's `completed` state commit together: one commit less per job, and no moment where the work is recorded
/// but the job still looks unfinished (the email handler: its `sentEmail` row and the completion).
protocol CompletingJobHandler: JobHandler {
    /// Runs the job; in the write transaction that records its effect, calls `completion.record(db)`. Returning
    /// without calling it leaves the completion to the worker, as for any handler. A handler must let that
    /// transaction's failure throw out of `run`: once `record` was called the worker takes the job as completed by the
    /// handler, so a failed write swallowed here would leave the job running until its lease expires and it runs again.
    func run(_ job: Job, completion: JobCompletion) async throws
}
