import Metrics

/// The work of a group commit (``SavepointGroupCommit``) on `/metrics`, by the commit's name: how many groups and how
/// many callers it ran (a group whose transaction failed counts too: the writer spent the time), and their ``WriterTime``
/// in seconds, recorded on the writer's thread right after the `COMMIT` (or the rollback), so the window also holds a wait
/// for SQLite's write lock and the commit's own hooks. One writer serves the whole shop, so the rate of
/// `klelite_group_commit_writer_seconds_total` is the share of the time it spends on these groups: near 1, callers
/// queue for it, and the CPU counter says how much of that time it computed.
struct GroupCommitMetrics: Sendable {
    let name: String
    /// Where the metrics go; nil: the process's `MetricsSystem`, read at each record (it is bootstrapped after the
    /// shop is built).
    let factory: (any MetricsFactory)?

    func record(callers: Int, _ time: WriterTime) {
        let factory = self.factory ?? MetricsSystem.factory
        let dimensions = [("commit", name)]
        Counter(label: "klelite_group_commit_groups_total", dimensions: dimensions, factory: factory).increment()
        Counter(label: "klelite_group_commit_callers_total", dimensions: dimensions, factory: factory).increment(by: Int64(callers))
        FloatingPointCounter(label: "klelite_group_commit_writer_seconds_total", dimensions: dimensions, factory: factory)
            .increment(by: time.wall.inSeconds)
        FloatingPointCounter(label: "klelite_group_commit_writer_cpu_seconds_total", dimensions: dimensions, factory: factory)
            .increment(by: time.cpu.inSeconds)
    }
}
