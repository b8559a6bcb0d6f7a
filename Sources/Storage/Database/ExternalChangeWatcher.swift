import Foundation
import Logging
import ServiceLifecycle

/// Notices commits that other processes made to the database and lets this process catch up without a restart.
///
/// Every `interval` it reads ``AppDatabase/externalChangeCounter()`` (cheap: one pragma on the writer connection);
/// when the counter moved, it makes the database forget its in-memory copies (``AppDatabase/externalChangeSeen()``; in
/// cluster mode, where the other instances say what they changed, only as a backstop, see ``CommittedChangeRelay``) and
/// runs `onChange`. A failing `onChange` is retried on the next poll, because the
/// counter it saw is only recorded once `onChange` succeeded. `onChange` also runs once at start-up.
public struct ExternalChangeWatcher: Service {
    let database: AppDatabase
    let clock: any AppClock
    let interval: TimeInterval
    let onChange: @Sendable () async throws -> Void
    let logger: Logger

    public init(
        database: AppDatabase,
        clock: any AppClock,
        interval: TimeInterval = 0.25,
        logger: Logger = Logger(label: "klelite.external-changes"),
        onChange: @escaping @Sendable () async throws -> Void
    ) {
        self.database = database
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.onChange = onChange
    }

    public func run() async throws {
        var seen: Int?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            seen = await check(since: seen)
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: clock.now().addingTimeInterval(interval)) }
            } catch {
                return
            }
        }
    }

    /// One poll: runs `onChange` when the counter differs from `seen` (or on the first poll); returns the counter to
    /// remember, which stays `seen` when reading or reacting failed, or when the database put off forgetting its copies
    /// (cluster mode's backstop, ``CommittedChangeRelay``): the move is then told again on the next poll.
    public func check(since seen: Int?) async -> Int? {
        do {
            let counter = try await database.externalChangeCounter()
            guard counter != seen else { return seen }
            let forgot = database.externalChangeSeen()
            try await onChange()
            return forgot ? counter : seen
        } catch {
            logger.warning("catching up with another process's changes failed; retrying", metadata: ["error": "\(error)"])
            return seen
        }
    }
}
