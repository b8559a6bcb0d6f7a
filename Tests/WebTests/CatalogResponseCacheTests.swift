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

    @Test func keysIgnoreQueryOrderAndTheCacheStaysBounded() async throws {
        #expect(CatalogResponseCache.key(for: request("/p?b=2&a=1")) == CatalogResponseCache.key(for: request("/p?a=1&b=2")))
        let cache = CatalogResponseCache(capacity: 10)
        for index in 0..<50 {
            _ = try await cache.response(for: request("/p?i=\(index)"), key: "/p?i=\(index)", currentVersion: 1) { (1, [index]) }
        }
        #expect(cache.count <= 10)
    }

    @Test func etagChangesWithTheBytesEvenAtTheSameVersion() {
        #expect(CatalogResponseCache.etag(version: 3, data: Data("a".utf8)) != CatalogResponseCache.etag(version: 3, data: Data("b".utf8)))
        #expect(CatalogResponseCache.etag(version: 3, data: Data("a".utf8)) == CatalogResponseCache.etag(version: 3, data: Data("a".utf8)))
    }
}
