import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// Two instances on one file, each with its own accounts and catalogue, whose commits are announced by hand: what one
/// announces is collected (`announced`) and delivered to the other only when a test says so.
private final class RelayedPair: Sendable {
    let pair: TwoProcessFixture
    /// What each instance announced, in order.
    let announced: Announcements
    let accountsB: AccountService
    let catalogA: CatalogService
    let catalogB: CatalogService

    init() throws {
        pair = try TwoProcessFixture()
        let announced = Announcements()
        self.announced = announced
        pair.server.relayCommittedChanges { key in announced.log.withLock { $0.append(("A", key)) } }
        pair.other.relayCommittedChanges { key in announced.log.withLock { $0.append(("B", key)) } }
        accountsB = TwoProcessFixture.accounts(on: pair.other, clock: pair.clock)
        catalogA = CatalogService(database: pair.server, clock: pair.clock, images: ProductImageStore(directory: pair.directory))
        catalogB = CatalogService(database: pair.other, clock: pair.clock, images: ProductImageStore(directory: pair.directory))
        pair.server.committedChangeChannel(isUp: true)
        pair.other.committedChangeChannel(isUp: true)
    }

    /// A's announcements so far, handed to B (the channel's work), and forgotten.
    func deliverToB() -> [String] {
        let keys = announced.log.withLock { announced in
            defer { announced.removeAll { $0.from == "A" } }
            return announced.filter { $0.from == "A" }.map(\.key)
        }
        for key in keys { pair.other.committedChangeAnnounced(key) }
        return keys
    }

    var sessionsKey: String {
        CommittedChangeRelay.key(tables: ["user", "session"], ignoringInserts: true, updatesOf: ["session": ["id", "userId", "revokedAt"]])
    }

    func close() { pair.close() }
}

private final class Announcements: Sendable {
    let log = Mutex<[(from: String, key: String)]>([])
}

/// A hand-moved `ContinuousClock` reading for the relay's backstop.
private final class Instants: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}

@Suite struct CommittedChangeRelayTests {
    @Test func aKeyNamesTheTablesInsertsAndColumnsTheSameWayInEveryInstance() {
        let one = CommittedChangeRelay.key(tables: ["user", "session"], ignoringInserts: true, updatesOf: ["session": ["revokedAt", "id"]])
        let two = CommittedChangeRelay.key(tables: ["session", "user"], ignoringInserts: true, updatesOf: ["session": ["ID", "revokedat"]])
        #expect(one == two)
        #expect(one == "session,user|no-inserts|session:id,revokedat")
        #expect(CommittedChangeRelay.key(tables: ["session", "user"], ignoringInserts: false, updatesOf: [:]) == "session,user")
        #expect(one != CommittedChangeRelay.key(tables: ["session", "user"], ignoringInserts: true, updatesOf: [:]))
    }

    /// The relay's point: B keeps A's session in memory (no read per request), and forgets it when A's announcement of
    /// the sign-out arrives — not before (the test can tell the two apart), and not for an announcement naming something else.
    @Test func aSignOutOnOneInstanceIsForgottenByAnotherWhenItsAnnouncementArrives() async throws {
        let fixture = try RelayedPair()
        defer { fixture.close() }
        let user = try await fixture.pair.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        let session = try await fixture.pair.accounts.startSession(for: user)
        #expect(fixture.deliverToB().isEmpty)  // a new user and a new session change nothing B kept
        #expect(try await fixture.accountsB.identity(userID: user.id, sessionID: session.sessionID) != nil)
        #expect(fixture.accountsB.openSessions.count == 1)
        let version = try await fixture.catalogB.version()

        try await fixture.pair.accounts.endSession(id: session.sessionID)
        // Not heard yet: B still answers from memory.
        #expect(try await fixture.accountsB.identity(userID: user.id, sessionID: session.sessionID) != nil)
        #expect(fixture.deliverToB() == [fixture.sessionsKey])  // one announcement, under the sessions' key
        #expect(try await fixture.accountsB.identity(userID: user.id, sessionID: session.sessionID) == nil)
        #expect(fixture.catalogB.knownVersion == version)  // what the announcement did not name stays
    }

    @Test func aRolledBackWriteAnnouncesNothing() async throws {
        let fixture = try RelayedPair()
        defer { fixture.close() }
        await #expect(throws: AppError.self) {
            try await fixture.pair.server.write { db in
                try db.execute(sql: "UPDATE session SET revokedAt = CURRENT_TIMESTAMP")
                try db.execute(sql: "UPDATE product SET stock = stock + 1")
                throw AppError(.conflict, "changed my mind")
            }
        }
        #expect(fixture.deliverToB().isEmpty)
        try await fixture.pair.server.write { db in try db.execute(sql: "UPDATE product SET stock = stock + 1") }
        #expect(fixture.deliverToB() == [CommittedChangeRelay.key(tables: CatalogVersion.tables, ignoringInserts: false, updatesOf: [:])])
    }

    @Test func anUnknownKeyForgetsEveryCopy() async throws {
        let fixture = try RelayedPair()
        defer { fixture.close() }
        let user = try await fixture.pair.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        let session = try await fixture.pair.accounts.startSession(for: user)
        for key in ["a-key-from-a-newer-version", "*"] {
            _ = try await fixture.accountsB.identity(userID: user.id, sessionID: session.sessionID)
            _ = try await fixture.catalogB.version()
            #expect(fixture.accountsB.openSessions.count == 1 && fixture.catalogB.knownVersion != nil)
            fixture.pair.other.committedChangeAnnounced(key)
            #expect(fixture.accountsB.openSessions.count == 0 && fixture.catalogB.knownVersion == nil)
        }
    }

    /// `data_version` moves on every other instance's commit (every reservation of a rush): with the channel up it
    /// forgets everything only once per backstop; with the channel down, each time, as without a channel.
    @Test func withTheChannelUpAMovedDataVersionForgetsEverythingOncePerBackstop() {
        let time = Instants()
        let relay = CommittedChangeRelay(backstop: .seconds(10), now: { time.now }) { _ in }
        #expect(relay.forgetsAllOnExternalChange())
        time.advance(.seconds(1))
        #expect(relay.forgetsAllOnExternalChange())  // the channel is not up yet
        time.advance(.seconds(1))
        relay.channel(isUp: true)
        time.advance(.seconds(1))
        #expect(!relay.forgetsAllOnExternalChange())
        time.advance(.seconds(8))
        #expect(!relay.forgetsAllOnExternalChange())
        time.advance(.seconds(1))
        #expect(relay.forgetsAllOnExternalChange())  // 10 s after the channel came up
        time.advance(.seconds(1))
        #expect(!relay.forgetsAllOnExternalChange())
        relay.channel(isUp: false)
        #expect(relay.forgetsAllOnExternalChange())
        #expect(relay.forgetsAllOnExternalChange())
    }

    /// A write no announcement carries (a CLI command's) is put off by the backstop, not lost: the watcher keeps the
    /// moved counter owed and, with no further commit anywhere, forgets once the backstop has passed.
    @Test func aChangePutOffByTheBackstopIsForgottenWhenItEndsWithoutAnotherCommit() async throws {
        let fixture = try RelayedPair()
        defer { fixture.close() }
        let time = Instants()
        fixture.pair.other.relayCommittedChanges(CommittedChangeRelay(backstop: .seconds(10), now: { time.now }) { _ in })
        let watcher = ExternalChangeWatcher(database: fixture.pair.other, clock: fixture.pair.clock) {}
        var seen = await watcher.check(since: nil)  // the first poll, the channel still down: recorded at once
        #expect(seen != nil)
        fixture.pair.other.committedChangeChannel(isUp: true)
        let before = try await fixture.catalogB.version()
        try await fixture.pair.server.write { db in try db.execute(sql: "UPDATE product SET stock = stock + 1") }  // unannounced
        for _ in 0..<3 {
            time.advance(.seconds(3))
            seen = await watcher.check(since: seen)
            #expect(fixture.catalogB.knownVersion == before)  // put off: within 10 s of the channel coming up
        }
        time.advance(.seconds(1))
        _ = await watcher.check(since: seen)
        #expect(fixture.catalogB.knownVersion == nil)
        #expect(try await fixture.catalogB.version() > before)
    }

    @Test func theChannelComingUpOrGoingDownForgetsEveryCopy() async throws {
        let fixture = try RelayedPair()
        defer { fixture.close() }
        for isUp in [false, true] {
            _ = try await fixture.catalogB.version()
            #expect(fixture.catalogB.knownVersion != nil)
            fixture.pair.other.committedChangeChannel(isUp: isUp)
            #expect(fixture.catalogB.knownVersion == nil)
        }
        // Up, and within the backstop: the data_version watcher's news is left to the announcements.
        _ = try await fixture.catalogB.version()
        fixture.pair.other.externalChangeSeen()
        #expect(fixture.catalogB.knownVersion != nil)
    }
}
