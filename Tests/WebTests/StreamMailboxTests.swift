import Foundation
import Hummingbird
import Storage
import Synchronization
import TestSupport
import Testing

@testable import Web

/// The per-stream mailbox and the shared heartbeat timer that replaced a forwarding task, an item stream and a
/// sleeping heartbeat task per open stream.
@Suite struct StreamMailboxTests {
    private func text(_ batch: StreamMailbox.Batch?) -> [String] {
        (batch ?? []).map { String(buffer: $0) }
    }

    /// Stock snapshots coalesce (only the newest unwritten one is kept), and a heartbeat never takes a snapshot's place.
    @Test func aSnapshotReplacesAnUnwrittenOlderOneButAHeartbeatNeverReplacesASnapshot() async throws {
        let mailbox = StreamMailbox()
        mailbox.replace(snapshot: ByteBuffer(string: "old"))
        mailbox.heartbeat()
        mailbox.replace(snapshot: ByteBuffer(string: "new"))
        mailbox.heartbeat()
        #expect(text(await mailbox.next()) == ["new", ": ping\n\n"])
        mailbox.replace(snapshot: ByteBuffer(string: "newer"))
        mailbox.finish()
        #expect(text(await mailbox.next()) == ["newer"])  // what was pending at the finish is still written
        #expect(await mailbox.next() == nil)
    }

    /// Events (notifications) are never dropped or reordered: a reader that falls `limit` behind ends the stream
    /// instead, and what it had is still written before the end.
    @Test func eventsKeepTheirOrderAndAReaderTooFarBehindIsEndedNotSkipped() async throws {
        let mailbox = StreamMailbox(limit: 3)
        #expect(mailbox.send(ByteBuffer(string: "1")) && mailbox.send(ByteBuffer(string: "2")) && mailbox.send(ByteBuffer(string: "3")))
        #expect(!mailbox.send(ByteBuffer(string: "4")))
        #expect(!mailbox.send(ByteBuffer(string: "5")))
        #expect(text(await mailbox.next()) == ["1", "2", "3"])
        #expect(await mailbox.next() == nil)
    }

    /// A writer parked in `next()` wakes for what a source puts in, and a parked writer that is cancelled returns
    /// (both only once the writer really parked: the wake-up and `onCancel` paths, not the checks before parking).
    @Test func aParkedWriterWakesForASendAndACancelledOneReturns() async throws {
        let mailbox = StreamMailbox()
        let writer = Task { await mailbox.next() }
        try await eventually("the writer parked") { mailbox.hasParkedWriter }
        mailbox.send(ByteBuffer(string: "a"))
        #expect(text(await writer.value) == ["a"])
        let other = StreamMailbox()
        let parked = Task { await other.next() }
        try await eventually("the second writer parked") { other.hasParkedWriter }
        parked.cancel()
        #expect(await parked.value == nil)
    }

    /// One timer for every stream: a hundred open streams make one sleeper, each gets its ping, and the timer stops
    /// with the last stream.
    @Test func oneSharedTimerPingsEveryStreamAndStopsWithTheLast() async throws {
        let clock = ManualClock()
        let ticker = HeartbeatTicker(clock: clock, interval: 15)
        let mailboxes = (0..<100).map { _ in StreamMailbox() }
        let ids = mailboxes.map { ticker.register($0) }
        try await eventually("the timer parked") { clock.sleeperCount == 1 }
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 15)
        try await eventually("every stream got a ping") { mailboxes.allSatisfy { $0.pendingCount == 1 } }
        for mailbox in mailboxes { #expect(text(await mailbox.next()) == [": ping\n\n"]) }
        try await eventually("the timer re-armed") { clock.sleeperCount == 1 }
        for id in ids { ticker.unregister(id) }
        try await eventually("the timer stopped") { clock.sleeperCount == 0 }
        #expect(ticker.count == 0)
    }

    /// A response whose body never runs (the connection went away first) still lets go of its source.
    @Test func aLeaseDroppedUnusedTerminatesItsMailbox() async throws {
        let mailbox = StreamMailbox()
        let terminated = Flag()
        mailbox.onTermination { terminated.mark() }
        var lease: StreamMailbox.Lease? = StreamMailbox.Lease(mailbox)
        #expect(!terminated.isMarked)
        lease = nil
        _ = lease
        #expect(terminated.isMarked)
        #expect(await mailbox.next() == nil)
    }
}

/// Remembers that something happened, across tasks.
private final class Flag: Sendable {
    private let marked = Mutex(false)
    var isMarked: Bool { marked.withLock { $0 } }
    func mark() { marked.withLock { $0 = true } }
}
