import Foundation
import Synchronization

/// The jobs one work loop claimed together, from the claim until each is settled (completed, failed or given
/// back). Their leases are renewed together; a job whose renewal failed is *lost* (its lease expired and
/// another worker may run it): it is not started, and a handler running it is told to stop.
///
/// It also holds the loop's progress through the batch — the job running now and since when, and the
/// successful runs whose completions wait to be recorded together — so that a timer task can record those
/// completions and give back the unstarted jobs while one handler runs long. Times are read from the queue's
/// clock (a `ManualClock` in tests).
final class ClaimedBatch: Sendable {
    /// A successful run whose completion is not recorded yet.
    typealias Finished = (job: Job, scrubPayload: Bool)

    /// What the timer task is to do now: record `finished`, give back `unstarted`.
    struct Due: Sendable {
        var finished: [Finished] = []
        var unstarted: [Job] = []
        /// The batch starts no more jobs: the timer has nothing left to do.
        var stopped = false
    }

    private struct State {
        var order: [Job]
        var next = 0
        var held: [Int64: Job]
        /// When each held job's lease ends, as far as this worker knows.
        var expiry: [Int64: Date]
        var lost: Set<Int64> = []
        var watchers: [Int64: CheckedContinuation<Void, Never>] = [:]
        var runningSince: Date?
        var finished: [Finished] = []
        var oldestFinished: Date?
        var gaveBack = false
    }

    private let state: Mutex<State>

    init(_ jobs: [Job]) {
        var held: [Int64: Job] = [:]
        var expiry: [Int64: Date] = [:]
        for job in jobs {
            guard let id = job.id else { continue }
            held[id] = job
            expiry[id] = job.leaseExpiresAt ?? .distantPast
        }
        state = Mutex(State(order: jobs, held: held, expiry: expiry))
    }

    /// The jobs whose leases still need renewing.
    var heldJobs: [Job] { state.withLock { Array($0.held.values) } }

    func isLost(_ id: Int64) -> Bool { state.withLock { $0.lost.contains(id) } }

    // MARK: - Progress

    /// The next job to run, marked as running since `now`; nil once every job was started, lost or given back.
    func start(at now: Date) -> Job? {
        state.withLock { state in
            while !state.gaveBack, state.next < state.order.count {
                let job = state.order[state.next]
                state.next += 1
                guard let id = job.id, !state.lost.contains(id) else { continue }
                state.runningSince = now
                return job
            }
            return nil
        }
    }

    /// The running job ended: its completion waits to be recorded when the run succeeded (`scrubPayload` is not
    /// nil); otherwise its outcome was recorded and it is settled.
    func end(_ job: Job, scrubPayload: Bool?, at now: Date) {
        state.withLock { state in
            state.runningSince = nil
            if let scrubPayload {
                state.finished.append((job, scrubPayload))
                if state.oldestFinished == nil { state.oldestFinished = now }
            } else if let id = job.id {
                state.held.removeValue(forKey: id)
            }
        }
    }

    /// What is due at `now`: the waiting completions once the oldest waited `delay` or the running handler has
    /// run for `delay`; and in the latter case the jobs not started yet, which the batch then no longer starts.
    func due(at now: Date, delay: TimeInterval) -> Due {
        state.withLock { state in
            var due = Due()
            let slow = state.runningSince.map { now.timeIntervalSince($0) >= delay } ?? false
            if slow || state.oldestFinished.map({ now.timeIntervalSince($0) >= delay }) == true {
                due.finished = state.finished
                state.finished.removeAll()
                state.oldestFinished = nil
            }
            if slow {
                for job in state.order[state.next...] {
                    guard let id = job.id, !state.lost.contains(id), state.held.removeValue(forKey: id) != nil else { continue }
                    due.unstarted.append(job)
                }
                state.next = state.order.count
                state.gaveBack = true
                due.stopped = true
            }
            return due
        }
    }

    /// The completions still waiting (at the end of the batch).
    func takeFinished() -> [Finished] {
        state.withLock { state in
            defer {
                state.finished.removeAll()
                state.oldestFinished = nil
            }
            return state.finished
        }
    }

    /// The job's outcome is recorded (or given up): its lease needs no more renewing.
    func settle(_ id: Int64) {
        state.withLock { _ = $0.held.removeValue(forKey: id) }
    }

    // MARK: - Leases

    /// Marks the held jobs outside `renewed` as lost, and wakes whoever waits on them; the renewed ones' leases
    /// now last at least until `expiry`.
    func keep(only renewed: Set<Int64>, of asked: [Job], until expiry: Date) {
        lose { state in
            asked.compactMap { job -> Int64? in
                guard let id = job.id else { return nil }
                if renewed.contains(id) {
                    if state.held[id] != nil { state.expiry[id] = expiry }
                    return nil
                }
                return id
            }
        }
    }

    /// After a renewal that failed (a database error): the held jobs whose lease has passed by `now` are lost.
    func loseExpired(at now: Date) {
        lose { state in state.held.keys.filter { (state.expiry[$0] ?? .distantPast) <= now } }
    }

    private func lose(_ pick: (inout State) -> [Int64]) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for id in pick(&state) {
                guard state.held.removeValue(forKey: id) != nil else { continue }
                state.lost.insert(id)
                if let watcher = state.watchers.removeValue(forKey: id) { woken.append(watcher) }
            }
            return woken
        }
        for watcher in woken { watcher.resume() }
    }

    /// Returns once the job is lost, or when the waiting task is cancelled.
    func waitUntilLost(_ id: Int64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.lost.contains(id) || Task.isCancelled { return true }
                    state.watchers[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.watchers.removeValue(forKey: id) }?.resume()
        }
    }
}
