import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Storage

/// One Server-Sent Event in its wire form.
struct ServerSentEvent: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String

    /// An event whose data is `value` as the API's JSON.
    init(id: String?, event: String, json value: some Encodable) {
        self.id = id
        self.event = event
        self.data = (try? JSONCoding.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    init(id: String?, event: String?, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// `id:`, `event:` and one `data:` line per line of data, then a blank line.
    var encoded: String {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}

/// Streams events to one client as `text/event-stream`.
///
/// The first bytes (a `retry:` hint and a comment) go out at once so that proxies and browsers see the
/// stream open; a `: ping` comment follows every `heartbeat` seconds of quiet so idle timeouts never cut
/// it. The stream ends when its source ends (sign-out, or a client too slow to keep up), when the client
/// goes away (noticed at once from the connection's inbound side closing, not at the next write), or on graceful
/// shutdown — an open stream never holds shutdown up. Each client address may hold at most `slots.limit` streams
/// at once (429 beyond); a stream's slot is free as soon as its body ends.
struct EventStreamResponder: Sendable {
    let clock: any AppClock
    let heartbeat: TimeInterval
    let slots: StreamSlots

    enum Item: Sendable {
        case bytes(ByteBuffer)
        case heartbeat
    }

    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        .xAccelBuffering: "no",
    ]

    /// Takes one of the caller's stream slots (429 beyond the cap). Take it before subscribing to anything, so a
    /// refused request leaves no subscription behind.
    func takeSlot(for client: String?) throws -> StreamSlots.Slot {
        try slots.take(for: client)
    }

    /// - Parameters:
    ///   - request: the stream's request, whose inbound side closing (the client went away) ends the stream.
    ///   - slot: the caller's slot, held until the stream ends.
    ///   - opening: events written first (a replay), after the connection comment.
    ///   - live: the source of later events; the stream ends when it does.
    func response(
        to request: Request,
        holding slot: StreamSlots.Slot,
        opening: [ServerSentEvent],
        live: AsyncStream<ServerSentEvent>
    ) -> Response {
        response(to: request, holding: slot, opening: opening.map { ByteBuffer(string: $0.encoded) }, live: live) {
            ByteBuffer(string: $0.encoded)
        }
    }

    /// The same, for events already in their wire form (one encoding shared by every stream of a broadcast).
    func response(to request: Request, holding slot: StreamSlots.Slot, opening: [ByteBuffer], live: AsyncStream<ByteBuffer>) -> Response {
        response(to: request, holding: slot, opening: opening, live: live) { $0 }
    }

    private func response<Event: Sendable>(
        to request: Request,
        holding slot: StreamSlots.Slot,
        opening: [ByteBuffer],
        live: AsyncStream<Event>,
        encode: @escaping @Sendable (Event) -> ByteBuffer
    ) -> Response {
        Response(
            status: .ok,
            headers: Self.headers,
            body: ResponseBody { writer in
                // The slot is freed when this body ends (or, if it never runs, when the response is dropped).
                defer { slot.release() }
                let (items, sink) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(64))
                try await writer.write(ByteBuffer(string: "retry: 5000\n: connected\n\n"))
                for event in opening { try await writer.write(event) }
                // A closed connection is otherwise noticed only when a write fails, at the next heartbeat (15 s): until
                // then its slot stays taken, and quick page-to-page browsing from one address runs into the cap.
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await self.pump(live, encode: encode, into: sink, draining: items, writer: &writer)
                } onInboundClosed: {
                    sink.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    private func pump<Event: Sendable>(
        _ live: AsyncStream<Event>,
        encode: @escaping @Sendable (Event) -> ByteBuffer,
        into sink: AsyncStream<Item>.Continuation,
        draining items: AsyncStream<Item>,
        writer: inout some ResponseBodyWriter
    ) async throws {
        // Graceful shutdown ends the item stream, which ends the response cleanly.
        try await withGracefulShutdownHandler {
            try await forward(live, encode: encode, into: sink, draining: items, writer: &writer)
        } onGracefulShutdown: {
            sink.finish()
        }
    }

    private func forward<Event: Sendable>(
        _ live: AsyncStream<Event>,
        encode: @escaping @Sendable (Event) -> ByteBuffer,
        into sink: AsyncStream<Item>.Continuation,
        draining items: AsyncStream<Item>,
        writer: inout some ResponseBodyWriter
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in live { if case .dropped = sink.yield(.bytes(encode(event))) { break } }
                sink.finish()
            }
            group.addTask {
                while true {
                    try await clock.sleep(until: clock.now().addingTimeInterval(heartbeat))
                    sink.yield(.heartbeat)
                }
            }
            for await item in items {
                switch item {
                case .bytes(let bytes): try await writer.write(bytes)
                case .heartbeat: try await writer.write(ByteBuffer(string: ": ping\n\n"))
                }
            }
            group.cancelAll()
        }
    }
}
