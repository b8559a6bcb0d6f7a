import Synchronization

/// Cluster mode's way of hearing the other instances' commits: each instance announces, on a channel all of them
/// hear (Redis Pub/Sub, ``ClusterParts``), which ``AppDatabase/onCommittedChange(of:ignoringInserts:updatesOf:_:)``
/// registrations its commit touched, and each instance forgets what the named registrations kept. So the in-memory copies
/// (``CommitScopedCache``: sessions, sale gates, the catalogue's version) stay on in a cluster, and a write on one
/// instance is forgotten by the others as soon as its announcement arrives — not only by polling SQLite's `data_version`,
/// which tells that *some* process committed but not what, and moves on every reservation of a rush.
///
/// What an announcement can miss — a CLI command's write, which announces nothing; an instance that died between its
/// commit and its announcement; an announcement Redis refused or the outbox dropped — `data_version` still catches,
/// later: while the channel is up, a moved counter forgets every copy once per `backstop`, and a move that came inside
/// the backstop is kept owed (``ExternalChangeWatcher`` does not record it) until the backstop has passed — so such a
/// change is forgotten within `backstop` plus one poll. While the channel is down (before the first subscription, after
/// a lost connection) every moved counter forgets everything, as without a channel, and each change of the channel's
/// state forgets everything once, for what was said while nobody listened.
final class CommittedChangeRelay: Sendable {
    /// Hands one announcement to the channel; must not wait.
    let announce: @Sendable (String) -> Void
    let backstop: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private struct State {
        var channelUp = false
        var lastForgetAll: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    init(
        backstop: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        announce: @escaping @Sendable (String) -> Void
    ) {
        self.backstop = backstop
        self.now = now
        self.announce = announce
    }

    /// Whether a moved `data_version` should forget every copy now: always while the channel is down, else once per
    /// `backstop` (false: the caller keeps the move owed and asks again).
    func forgetsAllOnExternalChange() -> Bool {
        let now = now()
        return state.withLock { state in
            if state.channelUp, let last = state.lastForgetAll, now < last + backstop { return false }
            state.lastForgetAll = now
            return true
        }
    }

    /// Records whether the channel is up; nothing said while it was down was heard.
    func channel(isUp: Bool) {
        let now = now()
        state.withLock { state in
            state.channelUp = isUp
            state.lastForgetAll = now
        }
    }

    var isChannelUp: Bool { state.withLock { $0.channelUp } }

    /// The name of a registration, the same in every instance running the same code: its tables, whether inserts
    /// count, and the columns that narrow its updates, in a fixed order.
    static func key(tables: Set<String>, ignoringInserts: Bool, updatesOf: [String: Set<String>]) -> String {
        var key = tables.sorted().joined(separator: ",")
        if ignoringInserts { key += "|no-inserts" }
        for (table, columns) in updatesOf.sorted(by: { $0.key < $1.key }) {
            key += "|\(table):" + columns.map { $0.lowercased() }.sorted().joined(separator: ",")
        }
        return key
    }
}
