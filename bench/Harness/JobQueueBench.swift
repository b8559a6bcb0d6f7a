import Foundation
import GRDB
import Logging
import Storage

/// Row 6: the job queue on a database file — enqueue in a transaction of its own (concurrent callers), bulk
/// enqueue (1,000 jobs per transaction), claim + complete of no-op jobs by the shop's `JobWorkers`, and the
/// delay from an enqueue's commit to its handler starting while the queue is idle.
struct JobQueueBench {
    let directory: String
    let seconds: Double
    let callers = 16
    let bulkBatch = 1_000
    let maxJobs = 500_000
    let latencySamples = 1_000

    func run() async throws {
        try? FileManager.default.removeItem(atPath: directory)
        let database = try AppDatabase.open(directory: directory)
        let queue = JobQueue(database: database, clock: SystemClock())
        let request = try JobRequest(queue: "bench", kind: NoopJobHandler.kind, payload: ["n": 1])
        let parked = try JobRequest(queue: "bench-parked", kind: NoopJobHandler.kind, payload: ["n": 1])

        // 1. One transaction per job, from concurrent callers (jobs go to a queue no worker serves).
        let (own, ownElapsed) = try await concurrentLoop(callers: callers, limit: maxJobs, seconds: seconds) { _ in
            try await queue.enqueue(parked)
        }
        Figure(
            name: "jobs_enqueue_own_tx_per_s", value: Double(own) / ownElapsed, unit: "jobs/s",
            detail: "JobQueue.enqueue, \(callers) concurrent callers, \(own) jobs in \(String(format: "%.2f", ownElapsed)) s"
        ).emit()

        // 2. Bulk: 1,000 jobs per transaction.
        var bulk = 0
        var watch = Stopwatch()
        let requests = Array(repeating: request, count: bulkBatch)
        while bulk < maxJobs, watch.elapsed < seconds {
            try await queue.enqueue(requests)
            bulk += bulkBatch
        }
        let bulkElapsed = watch.elapsed
        Figure(
            name: "jobs_enqueue_bulk_per_s", value: Double(bulk) / bulkElapsed, unit: "jobs/s",
            detail: "JobQueue.enqueue([JobRequest]), one transaction per \(bulkBatch), \(bulk) jobs in \(String(format: "%.2f", bulkElapsed)) s"
        ).emit()

        // 3. Claim + complete: the shop's workers (2 loops, like the email queue) drain the bulk jobs.
        let (starts, startsContinuation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        var logger = Logger(label: "klelite.bench")
        logger.logLevel = .critical
        let workers = JobWorkers(
            queue: queue,
            handlers: [NoopJobHandler(started: startsContinuation)],
            queues: [.init(name: "bench", concurrency: 2)],
            logger: logger
        )
        watch = Stopwatch()
        let running = Task { try await workers.run() }
        var iterator = starts.makeAsyncIterator()
        var drained = 0
        while drained < bulk, watch.elapsed < seconds * 2, await iterator.next() != nil { drained += 1 }
        let drainElapsed = watch.elapsed
        Figure(
            name: "jobs_claim_complete_per_s", value: Double(drained) / drainElapsed, unit: "jobs/s",
            detail: "JobWorkers, 2 loops, no-op handler: \(drained) of \(bulk) jobs claimed and completed in \(String(format: "%.2f", drainElapsed)) s"
        ).emit()
        running.cancel()
        _ = try? await running.value

        // 4. Enqueue → handler start at idle, one job at a time, on a queue of its own that nothing else fills
        //    (the drain above may leave a backlog, whose start times would read as negative delays).
        let (idleStarts, idleContinuation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let idleWorkers = JobWorkers(
            queue: queue,
            handlers: [NoopJobHandler(started: idleContinuation)],
            queues: [.init(name: "bench-idle", concurrency: 2)],
            logger: logger
        )
        let idleRunning = Task { try await idleWorkers.run() }
        let idleRequest = try JobRequest(queue: "bench-idle", kind: NoopJobHandler.kind, payload: ["n": 1])
        var idleIterator = idleStarts.makeAsyncIterator()
        var samples: [Double] = []
        var commits: [Double] = []
        watch = Stopwatch()
        func milliseconds(_ delay: Duration) -> Double { Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15 }
        while samples.count < latencySamples, watch.elapsed < seconds {
            let sent = ContinuousClock.now
            try await queue.enqueue(idleRequest)
            let committed = ContinuousClock.now
            guard let started = await idleIterator.next() else { break }
            samples.append(milliseconds(started - sent))
            commits.append(milliseconds(committed - sent))
        }
        let format = { (value: Double) in String(format: "%.2f", value) }
        Figure(
            name: "jobs_enqueue_to_start_p99_ms", value: percentile(samples, 0.99), unit: "ms",
            detail: "\(samples.count) jobs one at a time into an idle queue; p50 \(format(percentile(samples, 0.5))) ms; "
                + "the enqueue's own commit: p50 \(format(percentile(commits, 0.5))) ms, p99 \(format(percentile(commits, 0.99))) ms"
        ).emit()
        idleRunning.cancel()
    }
}

/// Does nothing but note when it started.
struct NoopJobHandler: JobHandler {
    static let kind = "bench.noop"
    let started: AsyncStream<ContinuousClock.Instant>.Continuation
    var kinds: [String] { [Self.kind] }

    func run(_ job: Job) async throws {
        started.yield(ContinuousClock.now)
    }
}
