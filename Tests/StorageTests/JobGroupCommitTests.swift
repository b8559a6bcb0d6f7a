import Dispatch
import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// Own-transaction enqueues that arrive together share one commit (group commit), and each caller's outcome is
/// its own: a caller's failure undoes exactly its work, and a failure that ends the whole transaction fails the
/// whole group, with nothing of it committed.
@Suite struct JobGroupCommitTests {
    /// 40 callers that queue while the writer is busy are written by one commit; the 4 whose insert fails
    /// half-way (the row is in, then its trigger fails without undoing the statement) leave nothing behind.
    @Test func callersThatQueueTogetherShareOneCommitAndAFailureUndoesOnlyItsCallersWork() async throws {
        let fixture = try await Fixture()
        let holding = Task { try await fixture.queue.enqueue(JobRequest(queue: "q", kind: "hold", payload: Ping(n: -1))) }
        try await eventually("the first enqueue holds the writer") { fixture.gate.entered }
        let commitsBefore = fixture.commits.count
        let callers = Task {
            await withTaskGroup(of: Bool.self) { group in
                for n in 0..<40 {
                    let kind = n % 10 == 3 ? "poison" : "k"
                    group.addTask { (try? await fixture.queue.enqueue(JobRequest(queue: "q", kind: kind, payload: Ping(n: n)))) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        try await eventually("all 40 callers wait for the next commit") { fixture.queue.groupCommit.waitingCount == 40 }
        fixture.gate.open()
        _ = try await holding.value
        let outcomes = await callers.value
        #expect(outcomes.filter { $0 }.count == 36 && outcomes.filter { !$0 }.count == 4)
        #expect(fixture.commits.count - commitsBefore == 2, "one commit for the held enqueue, one for the 40 callers")
        #expect(try await fixture.queue.counts() == [.queued: 37])
        #expect(try await fixture.kinds() == ["hold": 1, "k": 36])
    }

    /// A group is first written without a savepoint per caller; a failing caller sends it back to its start and it is
    /// written again, each caller apart. Nothing of the first pass stays: every caller's id is its own job's, the
    /// failing ones leave no row, and the database's observers hear of exactly the rows committed (GRDB sees the
    /// savepoints, so the events of what was rolled back are dropped).
    @Test func aGroupWrittenAgainAfterAFailureKeepsOnlyTheSecondPassAndItsObserversHearOnlyThat() async throws {
        let fixture = try await Fixture()
        let inserts = InsertCounter()
        try await fixture.queue.database.writer.write { db in db.add(transactionObserver: inserts, extent: .databaseLifetime) }
        let holding = Task { try await fixture.queue.enqueue(JobRequest(queue: "q", kind: "hold", payload: Ping(n: -1))) }
        try await eventually("the first enqueue holds the writer") { fixture.gate.entered }
        let callers = Task {
            await withTaskGroup(of: (Int, Int64?).self) { group in
                for n in 0..<40 {
                    let kind = n % 10 == 3 ? "poison" : "k"
                    group.addTask { (n, try? await fixture.queue.enqueue(JobRequest(queue: "q", kind: kind, payload: Ping(n: n)))) }
                }
                return await group.reduce(into: [Int: Int64?]()) { $0[$1.0] = $1.1 }
            }
        }
        try await eventually("all 40 callers wait for the next commit") { fixture.queue.groupCommit.waitingCount == 40 }
        fixture.gate.open()
        _ = try await holding.value
        let ids = await callers.value
        let payloads = try await fixture.queue.database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, payload FROM job WHERE kind = 'k'").reduce(into: [Int64: String]()) { $0[$1["id"]] = $1["payload"] }
        }
        #expect(payloads.count == 36)
        for n in 0..<40 {
            let id = ids[n] ?? nil
            if n % 10 == 3 {
                #expect(id == nil, "poisoned caller \(n)")
            } else {
                #expect(id.flatMap { payloads[$0] } == "{\"n\":\(n)}", "caller \(n)")
            }
        }
        #expect(inserts.committed == 37, "the held job and the 36 callers' jobs, each heard of once")
    }

    /// A failure that makes SQLite roll back the whole transaction (here a trigger's `RAISE(ROLLBACK)`; in
    /// production SQLITE_FULL, IOERR or NOMEM) fails every caller of the group, and none of their jobs is
    /// committed — also not those inserted after the rollback (GRDB would give each its own transaction).
    @Test func aFailureThatRollsBackTheTransactionFailsTheWholeGroupAndCommitsNothingOfIt() async throws {
        let fixture = try await Fixture()
        let holding = Task { try await fixture.queue.enqueue(JobRequest(queue: "q", kind: "hold", payload: Ping(n: -1))) }
        try await eventually("the first enqueue holds the writer") { fixture.gate.entered }
        let doomed = Task { try await fixture.queue.enqueue(JobRequest(queue: "q", kind: "doom", payload: Ping(n: 0))) }
        try await eventually("the dooming caller waits first") { fixture.queue.groupCommit.waitingCount == 1 }
        let callers = Task {
            await withTaskGroup(of: Bool.self) { group in
                for n in 1..<40 {
                    group.addTask { (try? await fixture.queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: n)))) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        try await eventually("all 40 callers wait for the next commit") { fixture.queue.groupCommit.waitingCount == 40 }
        fixture.gate.open()
        _ = try await holding.value
        await #expect(throws: (any Error).self) { try await doomed.value }
        #expect(await callers.value.allSatisfy { !$0 })
        #expect(try await fixture.kinds() == ["hold": 1])
        // The writer is usable afterwards.
        #expect(try await fixture.queue.enqueue(JobRequest(queue: "q", kind: "k", payload: Ping(n: 99))) > 0)
    }
}

/// A queue whose writer can be held inside an enqueue (kind `hold`), whose `poison` inserts fail after the row
/// is in, whose `doom` inserts roll back the whole transaction, and whose commits are counted.
private struct Fixture {
    let queue: JobQueue
    let gate = WriterGate()
    let commits = CommitCounter()

    init() async throws {
        queue = JobQueue(database: try AppDatabase.inMemory(), clock: ManualClock(), jitter: { 1 })
        let gate = gate
        let commits = commits
        try await queue.database.writer.write { db in
            db.add(
                function: DatabaseFunction("hold_writer", argumentCount: 0) { _ in
                    gate.hold()
                    return nil
                }
            )
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER hold BEFORE INSERT ON job WHEN NEW.kind = 'hold' BEGIN SELECT hold_writer(); END;
                    CREATE TEMP TRIGGER poison AFTER INSERT ON job WHEN NEW.kind = 'poison' BEGIN SELECT RAISE(FAIL, 'poison'); END;
                    CREATE TEMP TRIGGER doom BEFORE INSERT ON job WHEN NEW.kind = 'doom' BEGIN SELECT RAISE(ROLLBACK, 'doom'); END;
                    """
            )
            db.add(transactionObserver: commits, extent: .databaseLifetime)
        }
    }

    func kinds() async throws -> [String: Int] {
        try await queue.database.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM job GROUP BY kind")
                .reduce(into: [:]) { $0[$1["kind"] as String] = $1["n"] as Int }
        }
    }
}

/// Counts the row insertions into `job` that the writer's observers hear of in committed transactions.
private final class InsertCounter: TransactionObserver, Sendable {
    private let counts = Mutex((pending: 0, committed: 0))

    var committed: Int { counts.withLock { $0.committed } }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(let table) = eventKind { return table == "job" }
        return false
    }
    func databaseDidChange(with event: DatabaseEvent) { counts.withLock { $0.pending += 1 } }
    func databaseDidCommit(_ db: Database) { counts.withLock { $0 = (pending: 0, committed: $0.committed + $0.pending) } }
    func databaseDidRollback(_ db: Database) { counts.withLock { $0.pending = 0 } }
}
