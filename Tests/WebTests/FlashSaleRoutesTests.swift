import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

@Suite struct FlashSaleRoutesTests {
    private func seeded() async throws -> ShopFixture {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.createAdmin()
        return shop
    }

    private func saleJSON(_ shop: ShopFixture, productID: String, quantity: Int, limit: Int, startsIn: TimeInterval = 0) -> String {
        let formatter = ISO8601DateFormatter()
        let start = shop.clock.now().addingTimeInterval(startsIn)
        return """
            {"name":"Giờ vàng","startsAt":"\(formatter.string(from: start))","endsAt":"\(formatter.string(from: start + 3600))",
             "items":[{"productId":"\(productID)","salePrice":30000,"quantity":\(quantity),"perUserLimit":\(limit)}]}
            """
    }

    @Test func adminCreatesAndShoppersReserveWithTheDocumentedErrorCodes() async throws {
        let shop = try await seeded()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let created = try await admin.send(.post, "/api/v1/admin/flash-sales", json: saleJSON(shop, productID: product, quantity: 3, limit: 2))
            #expect(created.status == .created)
            let sale = try created.json()
            #expect(sale["status"] as? String == "active")
            let saleID = try #require(sale["id"] as? String)

            let time = try await client.execute(uri: "/api/v1/flash-sales/time", method: .get)
            #expect((try time.json()["now"] as? String)?.hasPrefix("2027-01-15") == true)

            let anonymous = try await client.execute(
                uri: "/api/v1/flash-sales/\(saleID)/reserve",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"productId":"\#(product)","quantity":1}"#)
            )
            #expect(anonymous.status == .unauthorized)

            let lan = Browser(client)
            try await lan.register()
            let reserved = try await lan.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":2}"#)
            #expect(reserved.status == .created)
            #expect(try reserved.json()["status"] as? String == "reserved")
            let limit = try await lan.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":1}"#)
            #expect(limit.status == .conflict && limit.errorCode == "limit_exceeded")

            let minh = Browser(client)
            try await minh.register("minh@example.vn")
            let soldOut = try await minh.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":2}"#)
            #expect(soldOut.status == .conflict && soldOut.errorCode == "sold_out")
            let fractional = try await minh.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":1.5}"#)
            #expect(fractional.status == .badRequest)

            let stock = try await client.execute(uri: "/api/v1/flash-sales/\(saleID)/stock", method: .get)
            #expect(String(buffer: stock.body) == #"{"items":[{"confirmed":0,"held":2,"productId":"\#(product)","quantity":3,"remaining":1}]}"#)

            let mine = try await lan.send(.get, "/api/v1/flash-sales/reservations/mine")
            let reservationID = try #require((try mine.json()["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await minh.send(.delete, "/api/v1/flash-sales/\(saleID)/reservations/\(reservationID)").status == .notFound)
            #expect(try await lan.send(.post, "/api/v1/flash-sales/\(saleID)/confirm-reservation/\(reservationID)").status == .forbidden)
            // A plain hold is not part of any order: confirming it would sell units nothing ever gives back.
            let plainHold = try await admin.send(.post, "/api/v1/flash-sales/\(saleID)/confirm-reservation/\(reservationID)")
            #expect(plainHold.status == .conflict && plainHold.errorCode == "conflict")
            #expect(
                String(buffer: try await client.execute(uri: "/api/v1/flash-sales/\(saleID)/stock", method: .get).body).contains(#""confirmed":0"#)
            )

            let later = try await admin.send(
                .post,
                "/api/v1/admin/flash-sales",
                json: saleJSON(shop, productID: product, quantity: 3, limit: 2, startsIn: 600)
            )
            let laterID = try #require(try later.json()["id"] as? String)
            let early = try await minh.send(.post, "/api/v1/flash-sales/\(laterID)/reserve", json: #"{"productId":"\#(product)","quantity":1}"#)
            #expect(early.status == .conflict && early.errorCode == "not_active")
            let listed = try await client.execute(uri: "/api/v1/flash-sales?status=scheduled", method: .get)
            #expect((try listed.json()["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [laterID])
            // The reservation belongs to another sale than the one in the path.
            #expect(try await admin.send(.post, "/api/v1/flash-sales/\(laterID)/confirm-reservation/\(reservationID)").status == .notFound)
            #expect(try await lan.send(.delete, "/api/v1/flash-sales/\(saleID)/reservations/\(reservationID)").status == .noContent)
            #expect(try await admin.send(.post, "/api/v1/admin/flash-sales/\(laterID)/cancel").status == .ok)
        }
    }

    @Test func earlyAccessOpensAScheduledSaleToTheTierItNamesOverHTTP() async throws {
        let shop = try await seeded()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let formatter = ISO8601DateFormatter()
            let start = shop.clock.now().addingTimeInterval(1800)
            let created = try await admin.send(
                .post,
                "/api/v1/admin/flash-sales",
                json: """
                    {"name":"Giờ vàng sớm","startsAt":"\(formatter.string(from: start))","endsAt":"\(formatter.string(from: start + 3600))",
                     "earlyAccessTier":"gold","earlyAccessMinutes":60,
                     "items":[{"productId":"\(product)","salePrice":30000,"quantity":5,"perUserLimit":2}]}
                    """
            )
            #expect(created.status == .created)
            #expect(try created.json()["status"] as? String == "scheduled")
            let saleID = try #require(try created.json()["id"] as? String)

            let gold = Browser(client)
            let goldID = try #require((try await gold.register("vang@example.vn").json()["user"] as? [String: Any])?["id"] as? String)
            // Lifetime points earned on delivered orders decide the tier; written directly, this test is about the gate.
            let now = shop.clock.now()
            try await shop.database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO pointsEntry (userId, kind, points, remaining, expiresAt, createdAt)
                        VALUES (?, 'earn', 20000, 20000, ?, ?)
                        """,
                    arguments: [goldID, now.addingTimeInterval(86400 * 365), now]
                )
            }
            let bronze = Browser(client)
            try await bronze.register("dong@example.vn")

            let reserve = #"{"productId":"\#(product)","quantity":1}"#
            let early = try await gold.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: reserve)
            #expect(early.status == .created, "a gold customer reserves during the early-access window")
            let refused = try await bronze.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: reserve)
            #expect(refused.status == .conflict && refused.errorCode == "not_active", "a bronze customer waits for the start")
        }
    }

    @Test func reservingIsLimitedToFivePerMinuteWithRetryAfter() async throws {
        let shop = try await seeded()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        try await shop.app.test(.router) { client in
            let admin = Browser(client)
            try await admin.login("boss@klelite.vn", "bakery2024")
            let saleID = try #require(
                try await admin.send(.post, "/api/v1/admin/flash-sales", json: saleJSON(shop, productID: product, quantity: 50, limit: 50)).json()[
                    "id"
                ] as? String
            )
            let lan = Browser(client)
            try await lan.register()
            for _ in 0..<5 {
                #expect(
                    try await lan.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":1}"#).status
                        == .created
                )
            }
            let limited = try await lan.send(.post, "/api/v1/flash-sales/\(saleID)/reserve", json: #"{"productId":"\#(product)","quantity":1}"#)
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited" && limited.headers[.retryAfter] == "60")
        }
    }

    /// 200 concurrent buyers against 50 units through the router: exactly 50 reservations, no 5xx.
    @Test func twoHundredConcurrentBuyersGetExactlyTheStock() async throws {
        let shop = try await seeded()
        let product = try await shop.catalog.product(idOrSlug: "croissant-bo-phap").value.id
        let sale = try await shop.flashSales.create(
            FlashSaleDraft(
                name: "Storm",
                startsAt: shop.clock.now(),
                endsAt: shop.clock.now() + 3600,
                items: [.init(productId: product, salePrice: 30_000, quantity: 50, perUserLimit: 1)]
            )
        )
        var tokens: [String] = []
        for index in 0..<200 {
            let user = try await shop.accounts.createAdmin(email: "buyer\(index)@example.vn", password: "banhmi2024").0
            let session = try await shop.accounts.startSession(for: user)
            tokens.append(try await shop.accessTokens.issue(for: Identity(user: user, sessionID: session.sessionID)).token)
        }
        let buyers = tokens
        try await shop.app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for token in buyers {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/v1/flash-sales/\(sale.id)/reserve",
                            method: .post,
                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                            body: ByteBuffer(string: #"{"productId":"\#(product)","quantity":1}"#)
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 50)
            #expect(statuses.filter { $0 == .conflict }.count == 150)
            #expect(!statuses.contains { $0.code >= 500 })
        }
        let rows = try await shop.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reservation WHERE status = 'reserved'")
        }
        #expect(rows == 50)
    }
}
