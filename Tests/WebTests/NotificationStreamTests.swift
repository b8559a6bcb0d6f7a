import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Storage
@testable import Web

/// Streams go through the `.live` transport (the router transport would wait for the whole body).
@Suite struct NotificationStreamTests {
    private func userID(_ response: TestResponse) throws -> String {
        try #require((try response.json()["user"] as? [String: Any])?["id"] as? String)
    }

    @Test func theStreamCarriesCommittedEventsAndHeartbeatsAndEndsWithItsSession() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            let stream = Task { try await browser.send(.get, "/api/v1/notifications/stream") }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 && shop.clock.sleeperCount >= 1 }

            _ = try? await shop.database.writer.write { db in
                try shop.notifications.notify(db, userID: user, NotificationDraft(type: "test", title: "Rolled back", body: "x"))
                throw CancellationError()
            }
            try await shop.database.writer.write { db in
                try shop.notifications.notify(
                    db,
                    userID: user,
                    NotificationDraft(type: "order.status", title: "Đơn hàng đã giao", body: "Cảm ơn bạn!")
                )
            }
            shop.clock.advance(by: 15)
            try await eventually("the heartbeat re-armed") { shop.clock.sleeperCount >= 1 }

            // The test client has one connection, busy with the stream: end it from the server side, as
            // sign-out does (the e2e suite signs out over a second connection).
            shop.hub.disconnect(user: user)
            let response = try await stream.value
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(response.headers[HTTPField.Name("X-Accel-Buffering")!] == "no")
            let body = String(buffer: response.body)
            #expect(body.hasPrefix("retry: 5000\n: connected\n\nid: 0\nevent: unread\ndata: {\"count\":0}\n\n"))
            #expect(body.contains("id: 1\nevent: notification\ndata: {"))
            #expect(body.contains("Đơn hàng đã giao"))
            #expect(!body.contains("Rolled back"))
            #expect(body.contains("event: unread\ndata: {\"count\":1}\n\n"))
            #expect(body.contains(": ping\n\n"))
            #expect(shop.hub.subscriberCount == 0)
        }
    }

    @Test func reconnectingWithLastEventIDReplaysExactlyWhatWasMissed() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            let ids = try await shop.database.writer.write { db in
                try (1...3).map { try shop.notifications.notify(db, userID: user, NotificationDraft(type: "t", title: "N\($0)", body: "b")).id }
            }
            let stream = Task {
                try await browser.send(.get, "/api/v1/notifications/stream", headers: [HTTPField.Name("Last-Event-ID")!: String(ids[0])])
            }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            shop.hub.disconnect(user: user)
            let body = String(buffer: try await stream.value.body)
            #expect(!body.contains("id: \(ids[0])\n"))
            #expect(body.contains("id: \(ids[1])\n") && body.contains("id: \(ids[2])\n"))
            #expect(body.range(of: "\"N2\"")!.lowerBound < body.range(of: "\"N3\"")!.lowerBound)
            #expect(body.contains("event: unread\ndata: {\"count\":3}"))
        }
    }

    @Test func aTooOldLastEventIDGetsOneResync() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            try await shop.database.writer.write { db in
                for n in 0..<(shop.notifications.replayLimit + 1) {
                    try shop.notifications.notify(db, userID: user, NotificationDraft(type: "t", title: "N\(n)", body: "b"))
                }
            }
            let stream = Task { try await browser.send(.get, "/api/v1/notifications/stream", headers: [HTTPField.Name("Last-Event-ID")!: "0"]) }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            shop.hub.disconnect(user: user)
            let body = String(buffer: try await stream.value.body)
            #expect(body.components(separatedBy: "event: resync").count == 2)
            #expect(!body.contains("event: notification"))
        }
    }

    /// A tab that has seen no notification still gets a cursor: the opening count carries the newest id it covers.
    @Test func theOpeningUnreadCountCarriesTheNewestNotificationIDAsTheCursor() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            let ids = try await notify(shop, user, count: 2)
            let stream = Task { try await browser.send(.get, "/api/v1/notifications/stream") }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            shop.hub.disconnect(user: user)
            let body = String(buffer: try await stream.value.body)
            #expect(body.contains("id: \(ids[1])\nevent: unread\ndata: {\"count\":2}\n\n"))
            #expect(!body.contains("event: notification"))
        }
    }

    /// Where a stream resumes: a `Last-Event-ID` that is a non-negative id wins; one that is not is ignored (the `?after=`
    /// then counts); `?after=` that is not a non-negative id is a 400.
    @Test func theCursorIsANonNegativeIdFromTheHeaderOrTheQuery() throws {
        func cursor(_ target: String, _ header: String? = nil) throws -> Int64? {
            var head = HTTPRequest(method: .get, scheme: "http", authority: "shop", path: target)
            if let header { head.headerFields[.lastEventID] = header }
            return try NotificationsController<AppRequestContext>.cursor(Request(head: head, body: .init(buffer: ByteBuffer())))
        }
        #expect(try cursor("/api/v1/notifications/stream") == nil)
        #expect(try cursor("/api/v1/notifications/stream?after=4") == 4)
        #expect(try cursor("/api/v1/notifications/stream?after=4", "9") == 9)
        #expect(try cursor("/api/v1/notifications/stream?after=4", "-5") == 4)
        #expect(try cursor("/api/v1/notifications/stream", "-5") == nil)
        #expect(try cursor("/api/v1/notifications/stream", "x") == nil)
        #expect(throws: AppError.self) { try cursor("/api/v1/notifications/stream?after=-5") }
    }

    /// A stream the page opens again itself (the old one was closed for good) cannot set `Last-Event-ID`, so it
    /// passes its cursor as `?after=`; the header, which the browser's own reconnect sends, wins over it.
    @Test func aReopenedStreamResumesAfterItsCursorAndTheHeaderWins() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            let ids = try await notify(shop, user, count: 3)
            let reopened = Task { try await browser.send(.get, "/api/v1/notifications/stream?after=\(ids[0])") }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            shop.hub.disconnect(user: user)
            let body = String(buffer: try await reopened.value.body)
            #expect(!body.contains("id: \(ids[0])\nevent: notification"))
            #expect(body.contains("id: \(ids[1])\nevent: notification") && body.contains("id: \(ids[2])\nevent: notification"))
            #expect(body.contains("id: \(ids[2])\nevent: unread\ndata: {\"count\":3}"))

            // The browser reconnects on a new connection (an ended stream leaves its own one open for another request).
            let second = TestClient(host: "127.0.0.1", port: try #require(client.port))
            second.connect()
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let reconnected = Task {
                try await second.execute(
                    .init(
                        "/api/v1/notifications/stream?after=\(ids[0])",
                        method: .get,
                        headers: [.cookie: cookie, HTTPField.Name("Last-Event-ID")!: String(ids[1])]
                    )
                )
            }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            shop.hub.disconnect(user: user)
            let resumed = String(buffer: try #require(try await reconnected.value.body))
            try await second.shutdown()
            #expect(!resumed.contains("id: \(ids[1])\nevent: notification"))
            #expect(resumed.contains("id: \(ids[2])\nevent: notification"))
        }
    }

    /// A client that goes away ends its stream at once: its connection's pipeline notices (``StreamConnection``), not the
    /// next heartbeat's failed write — the clock never moves here, so no heartbeat is written.
    @Test func aClientThatGoesAwayEndsItsStreamWithoutWaitingForAHeartbeat() async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            _ = try await browser.register()
            let leaving = TestClient(host: "127.0.0.1", port: try #require(client.port))
            leaving.connect()
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let stream = Task { try await leaving.execute(.init("/api/v1/notifications/stream", method: .get, headers: [.cookie: cookie])) }
            try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
            try await leaving.shutdown()
            try await eventually("the stream ended with its client gone") { shop.hub.subscriberCount == 0 }
            _ = try? await stream.value
        }
    }

    @Test(arguments: ["-1", "abc", "1.5", "99999999999999999999"])
    func aCursorThatIsNotANonNegativeIDIsRefusedWithTheEnvelope(after: String) async throws {
        let shop = try ShopFixture()
        try await shop.app.test(.live) { client in
            let browser = Browser(client)
            let user = try userID(try await browser.register())
            let answer = Task { try await browser.send(.get, "/api/v1/notifications/stream?after=\(after)") }
            // Before the check existed the stream opened and stayed open: end it so the test fails instead of hanging.
            let closer = Task {
                try await eventually("the stream subscribed") { shop.hub.subscriberCount == 1 }
                shop.hub.disconnect(user: user)
            }
            let response = try await answer.value
            closer.cancel()
            #expect(response.status == .badRequest)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "validation_failed")
            #expect((error["fields"] as? [String: String])?["after"] != nil)
        }
    }

    private func notify(_ shop: ShopFixture, _ user: String, count: Int) async throws -> [Int64] {
        try await shop.database.writer.write { db in
            try (1...count).map { try shop.notifications.notify(db, userID: user, NotificationDraft(type: "t", title: "N\($0)", body: "b")).id }
        }
    }

    @Test func notificationRoutesListCountReadAndBroadcast() async throws {
        let shop = try ShopFixture()
        try await shop.createAdmin()
        try await shop.app.test(.router) { client in
            let customer = Browser(client)
            try await customer.register()
            #expect(try await client.execute(uri: "/api/v1/notifications", method: .get).status == .unauthorized)
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            #expect(try await customer.send(.post, "/api/v1/admin/notifications", json: #"{"title":"x","body":"y"}"#).status == .forbidden)
            #expect(try await admin.send(.post, "/api/v1/admin/notifications", json: #"{"title":"","body":"y"}"#).status == .badRequest)
            let sent = try await admin.send(
                .post,
                "/api/v1/admin/notifications",
                json: #"{"title":"Bánh mới","body":"Có croissant hạnh nhân","link":"/"}"#
            )
            #expect(sent.status == .accepted)
            try await shop.workers.drain(queue: BroadcastJob.queue)

            let count = try await customer.send(.get, "/api/v1/notifications/unread-count")
            #expect(String(buffer: count.body) == #"{"count":1}"#)
            let list = try await customer.send(.get, "/api/v1/notifications?unread=true")
            let items = try #require(try list.json()["items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["title"] as? String == "Bánh mới" && items[0]["read"] as? Bool == false)
            let id = try #require(items[0]["id"] as? Int)
            #expect(try await admin.send(.post, "/api/v1/notifications/\(id)/read").status == .notFound)
            #expect(try await customer.send(.post, "/api/v1/notifications/\(id)/read").status == .noContent)
            #expect(String(buffer: try await customer.send(.get, "/api/v1/notifications/unread-count").body) == #"{"count":0}"#)
            #expect(try await customer.send(.post, "/api/v1/notifications/read-all").status == .noContent)
            #expect(try await customer.send(.delete, "/api/v1/notifications/\(id)").status == .noContent)
            #expect(try await customer.send(.delete, "/api/v1/notifications/\(id)").status == .notFound)
        }
    }
}
