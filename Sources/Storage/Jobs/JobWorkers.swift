import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Runs the jobs of one kind (or several). Handlers must be idempotent: delivery is at least once.
public protocol JobHandler: Sendable {
    /// The job kinds this handler runs.
    var kinds: [String] { get }
    /// Whether a completed job's payload should be forgotten (it held a secret such as a reset link).
    var scrubsPayloadOnCompletion: Bool { get }
    func run(_ job: Job) async throws
}

extension JobHandler {
    public var scrubsPayloadOnCompletion: Bool { false }
}

/// A failure that retrying cannot fix (a malformed payload, an unknown kind): the job goes straight to `dead`.
public struct PermanentJobError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The queue's workers, as one service: per queue, `concurrency` loops that claim and run jobs.
///
/// A loop sleeps until the queue is woken by a commit that enqueued a job, or until the slow backstop poll.
/// A loop claims fast jobs in batches and records their completions together; the leases of a batch's
/// unfinished jobs are renewed every third of the lease. Once one handler of a batch runs longer than
/// ``completionDelay`` the completions before it are recorded and the jobs after it given back to the queue. On graceful shutdown the loops
/// stop claiming, running handlers finish; a handler cancelled past the shutdown budget releases its job.
public struct JobWorkers: Service {
    public struct QueueSettings: Sendable {
        public var name: String
        public var concurrency: Int

        public init(name: String, concurrency: Int) {
            self.name = name
            self.concurrency = concurrency
        }
    }

    let queue: JobQueue
    let handlers: [String: any JobHandler]
    let queues: [QueueSettings]
    let pollInterval: TimeInterval
    let logger: Logger
    /// The most jobs a loop claims in one transaction while handlers are fast.
    let batchSize = 64
    /// How long a completion may wait to be recorded with later ones, and how long a handler of a batch may run
    /// before the jobs behind it are given back (on the queue's clock).
    let completionDelay: TimeInterval = 0.002

    public init(
        queue: JobQueue,
        handlers: [any JobHandler],
        queues: [QueueSettings],
        pollInterval: TimeInterval = 10,
        logger: Logger = Logger(label: "klelite.jobs")
    ) {
        self.queue = queue
        var byKind: [String: any JobHandler] = [:]
        for handler in handlers {
            for kind in handler.kinds { byKind[kind] = handler }
        }
        self.handlers = byKind
        self.queues = queues
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for settings in queues {
                for _ in 0..<max(1, settings.concurrency) {
                    group.addTask { await self.workLoop(queue: settings.name) }
                }
            }
            group.addTask { await self.pruneLoop() }
        }
    }

    /// Claims and runs jobs until graceful shutdown. While handlers are fast (see ``claimLimit(after:)``) a loop
    /// claims up to ``batchSize`` jobs per transaction; slow ones are claimed one at a time, so that the queue's other
    /// loops share them.
    func workLoop(queue name: String) async {
        let signal = queue.signal(for: name)
        var limit = 1
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let jobs = try await queue.claim(queue: name, limit: limit)
                if !jobs.isEmpty {
                    let outcome = await process(batch: jobs)
                    limit = claimLimit(after: outcome)
                    continue
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("claiming a job failed", metadata: ["queue": "\(name)", "error": "\(error)"])
            }
            let deadline = queue.clock.now().addingTimeInterval(pollInterval)
            await cancelWhenGracefulShutdown { await signal.wait(until: deadline, clock: self.queue.clock) }
        }
    }

    /// How many jobs a loop claims next: a batch only while its handlers finish, on average, within ``completionDelay``
    /// and none of the last claim was given back; else one. A batch of slower ones is given back after its first
    /// handler: the fifth round's checkout profile had the email loops (an outbox `fsync` each, 2-5 ms) claim 64,
    /// give back 63 and claim again, per email — 36 % of the email drain's CPU.
    func claimLimit(after outcome: BatchOutcome) -> Int {
        outcome.meanSeconds < completionDelay && !outcome.gaveBack ? batchSize : 1
    }

    /// Runs the due jobs of one queue until none is left; returns how many ran.
    /// For tests and operator tools; the service itself uses ``run()``.
    @discardableResult
    public func drain(queue name: String) async throws -> Int {
        var count = 0
        while true {
            let jobs = try await queue.claim(queue: name, limit: batchSize)
            guard !jobs.isEmpty else { return count }
            count += await process(batch: jobs).ran
        }
    }

    /// What running one claim came to.
    struct BatchOutcome: Sendable {
        /// How many handlers ran (jobs lost or given back did not).
        var ran: Int
        /// The mean time a handler took, in seconds.
        var meanSeconds: Double
        /// A handler proved slow and the jobs after it were given back.
        var gaveBack: Bool
    }

    /// Runs the jobs of one claim in order while one task renews the leases of those not yet settled and, for a
    /// claim of several, a timer task records completions together: once the oldest waited ``completionDelay``,
    /// or at once when the running handler has run that long — which also gives the jobs not started yet back
    /// to the queue (for the queue's other loops) instead of holding them behind a slow one. The rest is
    /// recorded at the end.
    @discardableResult
    func process(batch jobs: [Job]) async -> BatchOutcome {
        let batch = ClaimedBatch(jobs)
        let claimedAt = queue.clock.now()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.keepLeasesAlive(batch, claimedAt: claimedAt)
                return false
            }
            if jobs.count > 1 { group.addTask { await self.recordWhileRunning(batch) } }
            var handlerTime: Duration = .zero
            var ran = 0
            while let job = batch.start(at: queue.clock.now()) {
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    await settle { try await queue.release(job) }
                    batch.end(job, scrubPayload: nil, at: queue.clock.now())
                    continue
                }
                let started = ContinuousClock.now
                let scrub = await run(job, batch: batch)
                handlerTime += ContinuousClock.now - started
                batch.end(job, scrubPayload: scrub, at: queue.clock.now())
                ran += 1
            }
            group.cancelAll()
            var gaveBack = false
            for await timerGaveBack in group { gaveBack = gaveBack || timerGaveBack }
            await completeAll(batch.takeFinished(), batch: batch)
            return BatchOutcome(ran: ran, meanSeconds: handlerTime.inSeconds / Double(max(1, ran)), gaveBack: gaveBack)
        }
    }

    /// Every ``completionDelay`` until cancelled, records the batch's waiting completions that are due, and gives
    /// back its unstarted jobs once a handler proved slow (then stops). Returns whether it gave jobs back.
    func recordWhileRunning(_ batch: ClaimedBatch) async -> Bool {
        while true {
            do { try await queue.clock.sleep(until: queue.clock.now().addingTimeInterval(completionDelay)) } catch { return false }
            let due = batch.due(at: queue.clock.now(), delay: completionDelay)
            await completeAll(due.finished, batch: batch)
            if !due.unstarted.isEmpty {
                let unstarted = due.unstarted
                let released = await Task { [queue] in try? await queue.release(unstarted) }.value
                if released == nil {
                    let metadata: Logger.Metadata = ["queue": "\(unstarted[0].queue)"]
                    logger.error("giving back jobs behind a slow one failed; they run after their lease", metadata: metadata)
                }
            }
            if due.stopped { return !due.unstarted.isEmpty }
        }
    }

    /// Runs one claimed job, stopping its handler if the job's lease is lost. Returns whether the payload is
    /// to be scrubbed when the run succeeded (the completion is recorded by the caller), nil when the outcome
    /// (failure, release on shutdown, or a completion the handler recorded in its own transaction) was recorded
    /// here, or when the lease was lost: then nothing is recorded and the job runs again on its next claim.
    func run(_ job: Job, batch: ClaimedBatch) async -> Bool? {
        let id = job.id ?? 0
        let metadata: Logger.Metadata = ["job": "\(id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"]
        guard let handler = handlers[job.kind] else {
            await settle { try await queue.fail(job, error: "No handler for job kind \(job.kind)", permanently: true) }
            return nil
        }
        let completion = JobCompletion(queue: queue, job: job, scrubPayload: handler.scrubsPayloadOnCompletion)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    if let completing = handler as? any CompletingJobHandler {
                        try await completing.run(job, completion: completion)
                    } else {
                        try await handler.run(job)
                    }
                }
                group.addTask {
                    await batch.waitUntilLost(id)
                    try Task.checkCancellation()
                    throw LeaseLost()
                }
                try await group.next()
                group.cancelAll()
            }
            // The handler returned, so the transaction that recorded its completion (if it did) committed.
            if let completed = completion.outcome {
                if completed {
                    Self.countCompleted(1, queue: job.queue)
                } else {
                    logger.notice("job outcome not recorded: the claim had expired and moved on", metadata: metadata)
                }
                return nil
            }
            return handler.scrubsPayloadOnCompletion
        } catch is LeaseLost {
            logger.warning("job stopped: its lease was lost; it runs again on its next claim", metadata: metadata)
        } catch is CancellationError {
            logger.notice("job interrupted by shutdown; released", metadata: metadata)
            await settle { try await queue.release(job) }
        } catch {
            logger.warning("job failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            await settle { try await queue.fail(job, error: String(describing: error), permanently: error is PermanentJobError) }
            Counter(label: "klelite_jobs_failed_total", dimensions: [("queue", job.queue)]).increment()
        }
        return nil
    }

    /// The lease of a running job was lost (not renewed, or not renewable before it passed).
    private struct LeaseLost: Error {}

    /// Records the successful runs in one transaction, even when the current task is being cancelled.
    private func completeAll(_ finished: [ClaimedBatch.Finished], batch: ClaimedBatch) async {
        guard let first = finished.first?.job else { return }
        let completed = await Task { [queue] in try? await queue.complete(finished) }.value
        for (job, _) in finished {
            if let id = job.id { batch.settle(id) }
        }
        guard let completed else {
            logger.error("recording completed jobs failed; they will run again after their lease", metadata: ["queue": "\(first.queue)"])
            return
        }
        if completed.count < finished.count { logger.notice("job outcome not recorded: the claim had expired and moved on") }
        Self.countCompleted(completed.count, queue: first.queue)
    }

    /// Counts completed jobs of `queue`, whoever recorded them: the worker, or a handler in its own transaction.
    private static func countCompleted(_ count: Int, queue: String) {
        Counter(label: "klelite_jobs_completed_total", dimensions: [("queue", queue)]).increment(by: Int64(count))
    }

    /// Renews the leases of the batch's unsettled jobs every third of the lease, counted from the claim,
    /// until cancelled; jobs whose claim was lost are marked so. When a renewal fails (a database error), the
    /// jobs whose lease has passed by then count as lost: their handlers stop and their outcome is not recorded.
    func keepLeasesAlive(_ batch: ClaimedBatch, claimedAt: Date) async {
        var deadline = claimedAt
        while !Task.isCancelled {
            deadline = deadline.addingTimeInterval(queue.settings.leaseDuration / 3)
            do { try await queue.clock.sleep(until: deadline) } catch { return }
            let held = batch.heldJobs
            guard !held.isEmpty else { continue }
            // The lease ends no earlier than this: the renewal stamps it from a later reading of the clock.
            let expiry = queue.clock.now().addingTimeInterval(queue.settings.leaseDuration)
            do {
                let renewed = try await queue.renewLeases(held)
                batch.keep(only: renewed, of: held, until: expiry)
            } catch is CancellationError {
                return
            } catch {
                logger.error("renewing job leases failed", metadata: ["queue": "\(held[0].queue)", "error": "\(error)"])
                batch.loseExpired(at: queue.clock.now())
            }
        }
    }

    /// Records an outcome even when the current task is being cancelled.
    private func settle(_ update: @escaping @Sendable () async throws -> Bool) async {
        let stale = await Task { (try? await update()) == false }.value
        if stale { logger.notice("job outcome not recorded: the claim had expired and moved on") }
    }

    /// Deletes old completed jobs once an hour.
    func pruneLoop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            _ = try? await queue.pruneCompleted()
            let deadline = queue.clock.now().addingTimeInterval(3600)
            await cancelWhenGracefulShutdown { try? await self.queue.clock.sleep(until: deadline) }
        }
    }
}
