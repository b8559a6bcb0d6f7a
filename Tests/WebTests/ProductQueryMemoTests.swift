import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

/// The product list's memory of parsed targets (``ProductQueryMemo``): what it answers is what parsing the same bytes
/// gives, it never mixes up two targets, and it never remembers a query whose answer depends on who asks.
@Suite struct ProductQueryMemoTests {
    private func parse(_ target: String) throws -> ProductQueryMemo.Parsed {
        let head = HTTPRequest(method: .get, scheme: "http", authority: "shop", path: target)
        let query = try CatalogController<AppRequestContext>.productQuery(Request(head: head, body: .init(buffer: ByteBuffer())))
        return ProductQueryMemo.Parsed(query: query, key: CatalogController<AppRequestContext>.productsKey(query))
    }

    /// Targets that differ in any byte are different entries — also two that Swift's `String` calls equal (canonically
    /// equivalent), whose searches SQLite may answer differently.
    @Test func targetsAreRememberedByTheirExactBytes() throws {
        let memo = ProductQueryMemo()
        let targets = [
            "/api/v1/products?limit=20", "/api/v1/products?limit=2", "/api/v1/products?limit=20&page=2",
            "/api/v1/products?q=e\u{302}\u{323}", "/api/v1/products?q=e\u{323}\u{302}", "/api/v1/products?q=\u{212A}",
            "/api/v1/products?q=K",
        ]
        for target in targets { memo.keep(try parse(target), for: Substring(target)) }
        #expect(memo.count == targets.count)
        for target in targets {
            let kept = try #require(memo.parsed(Substring(target)))
            #expect(kept.key == (try parse(target)).key, "\(target)")
            #expect(kept.query == (try parse(target)).query, "\(target)")
        }
        // Found from a slice of a longer text, as the route looks it up.
        let line = "GET /api/v1/products?limit=2 HTTP/1.1"
        let slice = line.dropFirst(4).prefix(24)
        #expect(memo.parsed(slice)?.key == (try parse("/api/v1/products?limit=2")).key)
        #expect(memo.parsed("/api/v1/products?limit=200") == nil)
    }

    @Test func theMemoryIsBounded() throws {
        let memo = ProductQueryMemo(maxCount: 4)
        for page in 1...10 {
            let target = "/api/v1/products?page=\(page)"
            memo.keep(try parse(target), for: Substring(target))
            #expect(memo.count <= 4)
            #expect(memo.parsed(Substring(target)) != nil)
        }
        let long = "/api/v1/products?q=" + String(repeating: "a", count: ProductQueryMemo.maxTargetBytes)
        memo.keep(try parse("/api/v1/products?q=a"), for: Substring(long))
        #expect(memo.parsed(Substring(long)) == nil)
    }

    /// Through the route: a list asked for again (answered from the memory) is the list parsed afresh, for targets that
    /// differ only in their query, and a malformed query is refused every time, never remembered.
    @Test func theRouteAnswersARememberedTargetAsAFreshOne() async throws {
        let shop = try ShopFixture()
        _ = try shop.database.seedDemoData(now: shop.clock.now())
        try await shop.app.test(.router) { client in
            var first: [String: String] = [:]
            let targets = ["/api/v1/products?limit=1", "/api/v1/products?limit=2&sort=name", "/api/v1/products?limit=2&sort=-name"]
            for round in 0..<2 {
                for target in targets {
                    let answer = try await client.execute(uri: target, method: .get)
                    #expect(answer.status == .ok)
                    let body = String(buffer: answer.body)
                    if round == 0 { first[target] = body } else { #expect(body == first[target], "\(target)") }
                }
            }
            #expect(first["/api/v1/products?limit=1"] != first["/api/v1/products?limit=2&sort=name"])
            #expect(first["/api/v1/products?limit=2&sort=name"] != first["/api/v1/products?limit=2&sort=-name"])
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/api/v1/products?limit=zero", method: .get).status == .badRequest)
                #expect(try await client.execute(uri: "/api/v1/products?includeInactive=maybe", method: .get).status == .badRequest)
            }
        }
    }
}
