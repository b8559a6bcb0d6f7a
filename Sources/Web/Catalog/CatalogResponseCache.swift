import Foundation
import Hummingbird
import Synchronization

/// Public catalogue answers kept as ready-to-send JSON bytes, each tagged with the catalogue version it
/// was read at. An entry is served only while the catalogue is still at that version, so an admin's write
/// is visible to the very next read — no timers, no stale window. Answers carry an `ETag`; a matching
/// `If-None-Match` gets 304 with no body.
public final class CatalogResponseCache: Sendable {
    struct Entry: Sendable {
        let version: Int
        let body: ByteBuffer
        let etag: String
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    public init(capacity: Int = 2000) {
        self.capacity = capacity
    }

    /// The cached answer for `key` at `version`, or the freshly loaded one (then cached).
    func response(
        for request: Request,
        key: String,
        currentVersion: Int,
        load: () async throws -> (version: Int, body: any Encodable)
    ) async throws -> Response {
        if let entry = entries.withLock({ $0[key] }), entry.version == currentVersion {
            return Self.response(entry, request: request)
        }
        let loaded = try await load()
        let data = try JSONCoding.encoder.encode(loaded.body)
        let entry = Entry(version: loaded.version, body: ByteBuffer(bytes: data), etag: Self.etag(version: loaded.version, data: data))
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.version >= loaded.version }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            if (entries[key]?.version ?? .min) <= loaded.version { entries[key] = entry }
        }
        return Self.response(entry, request: request)
    }

    /// Number of cached answers (for tests).
    var count: Int { entries.withLock { $0.count } }

    /// The cache key of a request: its path and its query items in sorted order.
    static func key(for request: Request) -> String {
        let items = request.uri.queryParameters.map { "\($0.key)=\($0.value)" }.sorted()
        return request.uri.path + "?" + items.joined(separator: "&")
    }

    private static func response(_ entry: Entry, request: Request) -> Response {
        var headers: HTTPFields = [.eTag: entry.etag, .cacheControl: "no-cache"]
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == entry.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.body))
    }

    /// `"<version>-<FNV-1a 64 of the bytes>"`: changes whenever the bytes do, also across restarts.
    static func etag(version: Int, data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return "\"\(version)-\(String(hash, radix: 16))\""
    }
}
