import Foundation
import GRDB
import Testing

@testable import Storage

@Suite struct PruningTests {
    @Test func theDailyPruneRemovesOnlyWhatCanNeverBeUsedAgain() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let now = clock.now()
        let day: TimeInterval = 86400
        try await database.write { db in
            let old = now.addingTimeInterval(-40 * day)
            try db.execute(
                sql:
                    "INSERT INTO user (id, email, name, role, passwordHash, createdAt, updatedAt) VALUES ('u', 'lan@example.vn', 'Lan', 'customer', 'x', ?, ?)",
                arguments: [old, old]
            )
            for (id, lastUsed, revoked) in [
                ("revoked-long-ago", old, old as Date?), ("revoked-yesterday", now, now.addingTimeInterval(-day)),
                ("quiet-without-token", old, nil), ("live", now.addingTimeInterval(-day), nil), ("quiet-with-token", old, nil),
            ] {
                try db.execute(
                    sql: "INSERT INTO session (id, userId, createdAt, lastUsedAt, revokedAt) VALUES (?, 'u', ?, ?, ?)",
                    arguments: [id, old, lastUsed, revoked]
                )
            }
            for (hash, session, expires) in [
                ("expired", "live", now.addingTimeInterval(-1)), ("valid", "live", now + day), ("kept", "quiet-with-token", now + day),
            ] {
                try db.execute(
                    sql: "INSERT INTO refreshToken (tokenHash, sessionId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                    arguments: [hash, session, old, expires]
                )
            }
            for (hash, expires) in [("reset-expired", now.addingTimeInterval(-1)), ("reset-valid", now + 3600)] {
                try db.execute(
                    sql: "INSERT INTO passwordReset (tokenHash, userId, createdAt, expiresAt) VALUES (?, 'u', ?, ?)",
                    arguments: [hash, now, expires]
                )
            }
            for (id, received) in [("event-old", now.addingTimeInterval(-100 * day)), ("event-recent", now.addingTimeInterval(-10 * day))] {
                try db.execute(
                    sql:
                        "INSERT INTO paymentEvent (id, orderId, type, amount, outcome, receivedAt) VALUES (?, 'o', 'payment.succeeded', 1, 'applied', ?)",
                    arguments: [id, received]
                )
            }
            for (id, user, updated) in [
                ("guest-idle", nil as String?, old), ("guest-recent", nil, now.addingTimeInterval(-day)), ("user-idle", "u", old),
            ] {
                try db.execute(sql: "INSERT INTO cart (id, userId, createdAt, updatedAt) VALUES (?, ?, ?, ?)", arguments: [id, user, old, updated])
            }
        }
        let handler = PruningJobHandler(database: database, clock: clock, jobs: JobQueue(database: database, clock: clock))
        let removed = try await handler.prune()
        #expect(removed == ["refreshTokens": 1, "sessions": 2, "passwordResets": 1, "paymentEvents": 1, "guestCarts": 1])
        let left = try await database.read { db in
            (
                try String.fetchAll(db, sql: "SELECT id FROM session ORDER BY id"),
                try String.fetchAll(db, sql: "SELECT tokenHash FROM refreshToken ORDER BY tokenHash"),
                try String.fetchAll(db, sql: "SELECT tokenHash FROM passwordReset"),
                try String.fetchAll(db, sql: "SELECT id FROM paymentEvent"),
                try String.fetchAll(db, sql: "SELECT id FROM cart ORDER BY id")
            )
        }
        #expect(left.0 == ["live", "quiet-with-token", "revoked-yesterday"])
        #expect(left.1 == ["kept", "valid"])
        #expect(left.2 == ["reset-valid"])
        #expect(left.3 == ["event-recent"])
        #expect(left.4 == ["guest-recent", "user-idle"])
    }

    @Test func theRunIsScheduledOncePerDayOnTheMaintenanceQueue() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let jobs = JobQueue(database: database, clock: clock)
        try await PruningJobHandler.schedule(jobs, after: clock.now())
        try await PruningJobHandler.schedule(jobs, after: clock.now())
        let queued = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT queue, runAt FROM job WHERE kind = ?", arguments: [PruningJob.kind]).map {
                ($0["queue"] as String, JobTime.date(millis: $0["runAt"]))
            }
        }
        #expect(queued.count == 1 && queued.first?.0 == "maintenance")
        #expect((queued.first?.1 ?? .distantPast) > clock.now())
    }
}
