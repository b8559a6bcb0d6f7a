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
/// While a handler runs, its lease is renewed every third of the lease. On graceful shutdown the loops
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

    /// Claims and runs jobs until graceful shutdown.
    func workLoop(queue name: String) async {
        let signal = queue.signal(for: name)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let job = try await queue.claim(queue: name) {
                    await process(job)
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

    /// Runs the due jobs of one queue one after another until none is left; returns how many ran.
    /// For tests and operator tools; the service itself uses ``run()``.
    @discardableResult
    public func drain(queue name: String) async throws -> Int {
        var count = 0
        while let job = try await queue.claim(queue: name) {
            await process(job)
            count += 1
        }
        return count
    }

    /// Runs one claimed job with its lease kept alive, and records the outcome.
    func process(_ job: Job) async {
        let metadata: Logger.Metadata = ["job": "\(job.id ?? 0)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"]
        guard let handler = handlers[job.kind] else {
            await settle { try await queue.fail(job, error: "No handler for job kind \(job.kind)", permanently: true) }
            return
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await handler.run(job) }
                group.addTask { try await self.keepLeaseAlive(job) }
                try await group.next()
                group.cancelAll()
            }
            await settle { try await queue.complete(job, scrubPayload: handler.scrubsPayloadOnCompletion) }
            Counter(label: "klelite_jobs_completed_total", dimensions: [("queue", job.queue)]).increment()
        } catch is CancellationError {
            logger.notice("job interrupted by shutdown; released", metadata: metadata)
            await settle { try await queue.release(job) }
        } catch {
            logger.warning("job failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            await settle { try await queue.fail(job, error: String(describing: error), permanently: error is PermanentJobError) }
            Counter(label: "klelite_jobs_failed_total", dimensions: [("queue", job.queue)]).increment()
        }
    }

    /// Renews the lease every third of its length until cancelled; throws if the claim was lost.
    func keepLeaseAlive(_ job: Job) async throws {
        while true {
            try await queue.clock.sleep(until: queue.clock.now().addingTimeInterval(queue.settings.leaseDuration / 3))
            guard try await queue.heartbeat(job) else {
                throw PermanentJobError("lease lost: another worker took job \(job.id ?? 0)")
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
