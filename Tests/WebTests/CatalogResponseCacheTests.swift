import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import Web

@Suite struct CatalogResponseCacheTests {
    private func request(_ uri: String, ifNoneMatch: String? = nil) -> Request {
        var head = HTTPRequest(method: .get, scheme: "http", authority: "shop", path: uri)
        if let ifNoneMatch { head.headerFields[.ifNoneMatch] = ifNoneMatch }
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test func entriesServeOnlyTheVersionTheyWereReadAt() async throws {
        let cache = CatalogResponseCache()
        let loads = Mutex(0)
        func get(current: Int, loaded: Int, body: String) async throws -> Response {
            try await cache.response(for: request("/p"), key: "/p", currentVersion: current) {
                loads.withLock { $0 += 1 }
                return (loaded, ["v": body])
            }
        }
        _ = try await get(current: 1, loaded: 1, body: "one")
        _ = try await get(current: 1, loaded: 1, body: "ignored")
        #expect(loads.withLock { $0 } == 1)
        _ = try await get(current: 2, loaded: 2, body: "two")
        #expect(loads.withLock { $0 } == 2)
    }

    /// The hit path that waits for nothing: nil until an answer is stored, nil for another version, else the stored
    /// answer (a 304 when the client already has it), and a hit counts as a use for the eviction order.
    @Test func aHitIsAnsweredWithoutLoadingAndOnlyAtItsVersion() async throws {
        let cache = CatalogResponseCache()
        #expect(cache.cachedResponse(for: request("/p"), key: "/p", version: 1) == nil)
        let stored = try await cache.response(for: request("/p"), key: "/p", currentVersion: 1) { (1, ["v": "one"]) }
        #expect(cache.cachedResponse(for: request("/p"), key: "/p", version: 2) == nil)
        #expect(cache.cachedResponse(for: request("/p"), key: "/q", version: 1) == nil)
        let hit = try #require(cache.cachedResponse(for: request("/p"), key: "/p", version: 1))
        #expect(hit.status == .ok && hit.headers == stored.headers)
        #expect(hit.body.contentLength == stored.body.contentLength && hit.body.contentLength ?? 0 > 0)
        let etag = try #require(stored.headers[.eTag])
        let unchanged = try #require(cache.cachedResponse(for: request("/p", ifNoneMatch: etag), key: "/p", version: 1))
        #expect(unchanged.status == .notModified && unchanged.headers[.eTag] == etag)

        // Room for two answers: the one just hit stays when a third comes, the other goes.
        let small = CatalogResponseCache(maxBytes: 500)
        let filler = String(repeating: "x", count: 180)
        for key in ["a", "b"] { _ = try await small.response(for: request("/p"), key: key, currentVersion: 1) { (1, [filler]) } }
        #expect(small.cachedResponse(for: request("/p"), key: "a", version: 1) != nil)
        _ = try await small.response(for: request("/p"), key: "c", currentVersion: 1) { (1, [filler]) }
        #expect(small.contains("a") && !small.contains("b") && small.contains("c"))
    }

    /// A slow reader that read version 1 finishes after a faster one stored version 2: the older answer
    /// must not replace the newer one.
    @Test func anOlderLoadNeverReplacesANewerEntry() async throws {
        let cache = CatalogResponseCache()
        _ = try await cache.response(for: request("/p"), key: "/p", currentVersion: 2) { (2, ["v": "new"]) }
        _ = try await cache.response(for: request("/p"), key: "/p", currentVersion: 3) { (1, ["v": "old"]) }
        let served = try await cache.response(for: request("/p"), key: "/p", currentVersion: 2) {
            Issue.record("reloaded"); return (2, ["v": "x"])
        }
        #expect(served.headers[.eTag]?.hasPrefix("\"2-") == true)
    }

    /// Only the parameters the route reads make the key: unknown ones, their order and number spelling do not.
    @Test func productKeysUseOnlyTheParametersTheRouteReads() throws {
        func key(_ uri: String) throws -> String {
            CatalogController<AppRequestContext>.productsKey(try CatalogController<AppRequestContext>.productQuery(request(uri)))
        }
        let plain = try key("/api/v1/products?category=banh-mi&page=1")
        #expect(try key("/api/v1/products?page=01&category=banh-mi") == plain)
        #expect(try key("/api/v1/products?category=banh-mi&utm_source=x&junk=\(UUID().uuidString)") == plain)
        #expect(try key("/api/v1/products?category=banh-mi&page=2") != plain)
        #expect(try key("/api/v1/products?category=banh-mi&q=page") != plain)
        #expect(try key("/api/v1/products?q=a,b") != (try key("/api/v1/products?q=a&tag=b")))
    }

    /// Distinct value lists never share a key: no value can pass for two, for an absent one, or for an empty one.
    @Test func cacheKeysAreUnambiguous() {
        let lists: [[String?]] = [
            ["a", "b"], ["a b"], ["a", nil], [nil, "a"], ["1:a 1:b"], ["a 1:b"], [nil, nil], ["-", nil], ["", nil], ["", ""],
            ["\"a\",\"b\""], ["a,b"], ["nil", nil], ["é"], ["e\u{301}"], ["2:é"],
            // Canonically equivalent (equal as Swift `String`s), different bytes: SQLite may answer them differently.
            ["e\u{302}\u{323}"], ["e\u{323}\u{302}"], ["%41"], ["A"], ["%2541"], ["a\u{0}"], ["a%00"],
        ]
        let keys = lists.map { CatalogController<AppRequestContext>.key("products", $0) }
        #expect(Set(keys).count == lists.count, "\(keys)")
        #expect(CatalogController<AppRequestContext>.key("products", ["a"]) == CatalogController<AppRequestContext>.key("products", ["a"]))
    }

    @Test func theCacheIsBoundedInBytesAndEvictsTheLeastRecentlyUsed() async throws {
        let cache = CatalogResponseCache(maxBytes: 2000)
        let filler = String(repeating: "x", count: 180)
        func get(_ key: String, body: String) async throws {
            _ = try await cache.response(for: request("/p"), key: key, currentVersion: 1) { (1, [body]) }
        }
        try await get("first", body: filler)
        for index in 0..<50 {
            try await get("first", body: filler)  // kept in use
            try await get("k\(index)", body: filler)
            #expect(cache.byteCount <= 2000)
        }
        #expect(cache.contains("first") && cache.contains("k49") && !cache.contains("k0"))
        try await get("huge", body: String(repeating: "y", count: 5000))
        #expect(!cache.contains("huge") && cache.byteCount <= 2000)
    }

    /// A new catalogue version makes every older answer dead weight: those go before any current one.
    @Test func answersOfOlderVersionsAreEvictedFirst() async throws {
        let cache = CatalogResponseCache(maxBytes: 1000)
        let filler = String(repeating: "x", count: 280)
        _ = try await cache.response(for: request("/p"), key: "old", currentVersion: 1) { (1, [filler]) }
        _ = try await cache.response(for: request("/p"), key: "a", currentVersion: 2) { (2, [filler]) }
        _ = try await cache.response(for: request("/p"), key: "b", currentVersion: 2) { (2, [filler]) }
        _ = try await cache.response(for: request("/p"), key: "c", currentVersion: 2) { (2, [filler]) }
        #expect(!cache.contains("old") && cache.contains("a") && cache.contains("b") && cache.contains("c"))
    }

    @Test func etagChangesWithTheBytesEvenAtTheSameVersion() {
        #expect(CatalogResponseCache.etag(version: 3, data: Data("a".utf8)) != CatalogResponseCache.etag(version: 3, data: Data("b".utf8)))
        #expect(CatalogResponseCache.etag(version: 3, data: Data("a".utf8)) == CatalogResponseCache.etag(version: 3, data: Data("a".utf8)))
    }
}
