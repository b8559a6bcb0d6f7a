import Foundation
import Hummingbird
import Synchronization

/// Public catalogue answers kept as ready-to-send JSON bytes, each tagged with the catalogue version it
/// was read at. An entry is served only while the catalogue is still at that version, so an admin's write
/// is visible to the very next read — no timers, no stale window. Answers carry an `ETag`; a matching
/// `If-None-Match` gets 304 with no body.
///
/// The cache is bounded by the bytes it holds (`maxBytes`), not by a count of entries: when a new answer would
/// pass the bound, answers of older catalogue versions go first (they can never be served again), then the
/// least recently used ones. An answer larger than the whole bound is served but not kept. Callers key entries
/// only by the parameters their route reads, so made-up query parameters cannot multiply entries.
public final class CatalogResponseCache: Sendable {
    /// One ready answer: its bytes, its tag and the headers of a 200 with it (ETag, Cache-Control, Content-Type), built
    /// once. A class, so a hit hands out one reference rather than copying each of them.
    final class Answer: Sendable {
        let body: ByteBuffer
        let etag: String
        let headers: HTTPFields

        init(body: ByteBuffer, etag: String) {
            self.body = body
            self.etag = etag
            self.headers = [.eTag: etag, .cacheControl: "no-cache", .contentType: "application/json; charset=utf-8"]
        }
    }

    struct Entry: Sendable {
        let version: Int
        let answer: Answer
        let cost: Int
        var lastUsed: UInt64

        init(version: Int, body: ByteBuffer, etag: String, cost: Int) {
            self.version = version
            self.answer = Answer(body: body, etag: etag)
            self.cost = cost
            self.lastUsed = 0
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Most bytes of answers (and their keys) kept at once.
    public let maxBytes: Int

    public init(maxBytes: Int = 8 * 1024 * 1024) {
        self.maxBytes = maxBytes
    }

    /// The cached answer for `key` at `version`, or the freshly loaded one (then cached).
    func response(
        for request: Request,
        key: String,
        currentVersion: Int,
        load: () async throws -> (version: Int, body: any Encodable)
    ) async throws -> Response {
        if let hit = cachedResponse(for: request, key: key, version: currentVersion) { return hit }
        let loaded = try await load()
        let data = try JSONCoding.encoder.encode(loaded.body)
        let entry = Entry(
            version: loaded.version,
            body: ByteBuffer(bytes: data),
            etag: Self.etag(version: loaded.version, data: data),
            cost: data.count + key.utf8.count
        )
        store(entry, key: key)
        return Self.response(entry.answer, request: request)
    }

    /// The cached answer for `key` when it was read at `version`, else nil: answered without suspending, so a hit whose
    /// version is known in memory costs the route no await (``CatalogController``).
    func cachedResponse(for request: Request, key: String, version: Int) -> Response? {
        let hit = state.withLock { state -> Answer? in
            guard let index = state.entries.index(forKey: key), state.entries.values[index].version == version else { return nil }
            state.tick += 1
            state.entries.values[index].lastUsed = state.tick  // in place: the entry is not copied out and back
            return state.entries.values[index].answer
        }
        return hit.map { Self.response($0, request: request) }
    }

    private func store(_ entry: Entry, key: String) {
        guard entry.cost <= maxBytes else { return }
        state.withLock { state in
            if let existing = state.entries[key] {
                guard existing.version <= entry.version else { return }  // never replace a newer answer with an older one
                state.entries[key] = nil
                state.bytes -= existing.cost
            }
            state.tick += 1
            var entry = entry
            entry.lastUsed = state.tick
            if state.bytes + entry.cost > maxBytes {
                for (staleKey, stale) in state.entries where stale.version < entry.version {
                    state.entries[staleKey] = nil
                    state.bytes -= stale.cost
                }
            }
            if state.bytes + entry.cost > maxBytes {
                for (oldKey, old) in state.entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                    guard state.bytes + entry.cost > maxBytes else { break }
                    state.entries[oldKey] = nil
                    state.bytes -= old.cost
                }
            }
            state.entries[key] = entry
            state.bytes += entry.cost
        }
    }

    /// Number of cached answers (for tests).
    var count: Int { state.withLock { $0.entries.count } }
    /// Bytes held (for tests and metrics).
    var byteCount: Int { state.withLock { $0.bytes } }
    /// Whether an answer is cached under `key` (for tests).
    func contains(_ key: String) -> Bool { state.withLock { $0.entries[key] != nil } }

    private static func response(_ answer: Answer, request: Request) -> Response {
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == answer.etag })
        {
            return Response(status: .notModified, headers: [.eTag: answer.etag, .cacheControl: "no-cache"])
        }
        // The same bytes for every hit: a `ByteBuffer` shares its storage, nothing is copied until the socket write.
        return Response(status: .ok, headers: answer.headers, body: .init(byteBuffer: answer.body))
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
