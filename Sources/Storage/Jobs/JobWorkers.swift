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
/// unfinished jobs are renewed every third of the lease. On graceful shutdown the loops
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
    /// Handlers faster than this on average are claimed in batches.
    let fastJobSeconds = 0.005
    /// How long a completion may wait to be recorded with later ones.
    let completionDelay: Duration = .milliseconds(2)

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

    /// Claims and runs jobs until graceful shutdown. While handlers are fast (a mean under
    /// ``fastJobSeconds``) a loop claims up to ``batchSize`` jobs per transaction; slow ones are claimed one at
    /// a time, so that the queue's other loops share them.
    func workLoop(queue name: String) async {
        let signal = queue.signal(for: name)
        var limit = 1
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let jobs = try await queue.claim(queue: name, limit: limit)
                if !jobs.isEmpty {
                    let meanSeconds = await process(batch: jobs)
                    limit = meanSeconds < fastJobSeconds ? batchSize : 1
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

    /// Runs the due jobs of one queue until none is left; returns how many ran.
    /// For tests and operator tools; the service itself uses ``run()``.
    @discardableResult
    public func drain(queue name: String) async throws -> Int {
        var count = 0
        while true {
            let jobs = try await queue.claim(queue: name, limit: batchSize)
            guard !jobs.isEmpty else { return count }
            await process(batch: jobs)
            count += jobs.count
        }
    }

    /// Runs the jobs of one claim in order while one task renews the leases of those not yet settled.
    /// Completions are recorded together: before the next job once the oldest waited ``completionDelay``,
    /// and at the end. Returns the mean time a handler took, in seconds.
    @discardableResult
    func process(batch jobs: [Job]) async -> Double {
        let batch = ClaimedBatch(jobs)
        let claimedAt = queue.clock.now()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepLeasesAlive(batch, claimedAt: claimedAt) }
            var finished: [(job: Job, scrubPayload: Bool)] = []
            var oldestFinished: ContinuousClock.Instant?
            var handlerTime: Duration = .zero
            for job in jobs {
                guard let id = job.id, !batch.isLost(id) else { continue }
                if let oldest = oldestFinished, ContinuousClock.now - oldest >= completionDelay {
                    await completeAll(finished, batch: batch)
                    finished.removeAll()
                    oldestFinished = nil
                }
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    await settle { try await queue.release(job) }
                    batch.settle(id)
                    continue
                }
                let started = ContinuousClock.now
                if let scrub = await run(job, batch: batch) {
                    finished.append((job, scrub))
                    if oldestFinished == nil { oldestFinished = ContinuousClock.now }
                } else {
                    batch.settle(id)
                }
                handlerTime += ContinuousClock.now - started
            }
            await completeAll(finished, batch: batch)
            group.cancelAll()
            let seconds = Double(handlerTime.components.seconds) + Double(handlerTime.components.attoseconds) / 1e18
            return seconds / Double(max(1, jobs.count))
        }
    }

    /// Runs one claimed job, stopping its handler if the job's lease is lost. Returns whether the payload is
    /// to be scrubbed when the run succeeded (the completion is recorded by the caller), nil when the outcome
    /// (failure, or release on shutdown) was recorded here.
    func run(_ job: Job, batch: ClaimedBatch) async -> Bool? {
        let id = job.id ?? 0
        let metadata: Logger.Metadata = ["job": "\(id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"]
        guard let handler = handlers[job.kind] else {
            await settle { try await queue.fail(job, error: "No handler for job kind \(job.kind)", permanently: true) }
            return nil
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await handler.run(job) }
                group.addTask {
                    await batch.waitUntilLost(id)
                    try Task.checkCancellation()
                    throw PermanentJobError("lease lost: another worker took job \(id)")
                }
                try await group.next()
                group.cancelAll()
            }
            return handler.scrubsPayloadOnCompletion
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

    /// Records the successful runs in one transaction, even when the current task is being cancelled.
    private func completeAll(_ finished: [(job: Job, scrubPayload: Bool)], batch: ClaimedBatch) async {
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
        Counter(label: "klelite_jobs_completed_total", dimensions: [("queue", first.queue)]).increment(by: Int64(completed.count))
    }

    /// Renews the leases of the batch's unsettled jobs every third of the lease, counted from the claim,
    /// until cancelled; jobs whose claim was lost are marked so.
    func keepLeasesAlive(_ batch: ClaimedBatch, claimedAt: Date) async {
        var deadline = claimedAt
        while !Task.isCancelled {
            deadline = deadline.addingTimeInterval(queue.settings.leaseDuration / 3)
            do { try await queue.clock.sleep(until: deadline) } catch { return }
            let held = batch.heldJobs
            guard !held.isEmpty, let renewed = try? await queue.renewLeases(held) else { continue }
            batch.keep(only: renewed, of: held)
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
