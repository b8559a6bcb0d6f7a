import NIOCore

/// Runs the jobs of the tasks that prefer it on one NIO event loop.
///
/// A live stream's body prefers its connection's loop: when a source wakes it, the body resumes on that loop and its
/// write reaches the channel as a plain call there. On Swift's global executor the same wake-up took two hand-offs
/// per stream and event — the woken task to a Dispatch thread, then its write to the event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
