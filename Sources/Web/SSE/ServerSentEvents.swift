import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
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
/// stream open; a `: ping` comment follows every `heartbeat` seconds (one shared ``HeartbeatTicker`` for every
/// stream) so idle timeouts never cut it. The stream ends when its source ends (sign-out, or a client too slow to
/// keep up), when the client goes away (noticed at once from the connection's inbound side closing, not at the next
/// write), or on graceful shutdown — an open stream never holds shutdown up. Each client address may hold at most
/// `slots.limit` streams at once (429 beyond); a stream's slot is free as soon as its body ends.
///
/// Sources put events into the stream's ``StreamMailbox`` from their own context; the response body is the only task
/// of a stream fed that way (a stock stream), and a stream fed by an `AsyncStream` adds one task that reads it. The
/// body hands the stream to its connection's event loop (``StreamConnection``), which writes every event from then on;
/// the task only waits for the end, and writes it.
struct EventStreamResponder: Sendable {
    let clock: any AppClock
    let heartbeat: TimeInterval
    let slots: StreamSlots
    let ticker: HeartbeatTicker

    init(clock: any AppClock, heartbeat: TimeInterval, slots: StreamSlots) {
        self.clock = clock
        self.heartbeat = heartbeat
        self.slots = slots
        self.ticker = HeartbeatTicker(clock: clock, interval: heartbeat)
    }

    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        .xAccelBuffering: "no",
    ]

    static let connected = ByteBuffer(string: "retry: 5000\n: connected\n\n")

    /// Takes one of the caller's stream slots (429 beyond the cap). Take it before subscribing to anything, so a
    /// refused request leaves no subscription behind.
    func takeSlot(for client: String?) throws -> StreamSlots.Slot {
        try slots.take(for: client)
    }

    /// - Parameters:
    ///   - connection: the stream's connection, whose inbound side closing (the client went away) ends the stream.
    ///   - slot: the caller's slot, held until the stream ends.
    ///   - opening: events written first (a replay), after the connection comment.
    ///   - live: the source of later events; the stream ends when it does.
    func response(
        on connection: any Channel,
        holding slot: StreamSlots.Slot,
        opening: [ServerSentEvent],
        live: AsyncStream<ServerSentEvent>
    ) -> Response {
        response(on: connection, holding: slot, opening: opening.map { ByteBuffer(string: $0.encoded) }, live: live) {
            ByteBuffer(string: $0.encoded)
        }
    }

    /// The same for any source: `encode` gives an event's wire form, or nil to skip it.
    func response<Event: Sendable>(
        on connection: any Channel,
        holding slot: StreamSlots.Slot,
        opening: [ByteBuffer],
        live: AsyncStream<Event>,
        encode: @escaping @Sendable (Event) -> ByteBuffer?
    ) -> Response {
        let mailbox = StreamMailbox()
        return response(on: connection, holding: slot, opening: opening, mailbox: mailbox) {
            for await event in live {
                guard let bytes = encode(event) else { continue }
                if !mailbox.send(bytes) { break }  // too slow: the mailbox ended the stream
            }
            mailbox.finish()
        }
    }

    /// A stream fed straight into `mailbox` by its source (which unsubscribes in the mailbox's `onTermination`),
    /// with no task of its own besides the response body.
    func response(on connection: any Channel, holding slot: StreamSlots.Slot, opening: [ByteBuffer], mailbox: StreamMailbox) -> Response {
        response(on: connection, holding: slot, opening: opening, mailbox: mailbox, feed: nil)
    }

    private func response(
        on connection: any Channel,
        holding slot: StreamSlots.Slot,
        opening: [ByteBuffer],
        mailbox: StreamMailbox,
        feed: (@Sendable () async -> Void)?
    ) -> Response {
        // Ends the mailbox (and so its source's subscription) when the body ends, or when the response is dropped unrun.
        let lease = StreamMailbox.Lease(mailbox)
        return Response(
            status: .ok,
            headers: Self.headers,
            body: ResponseBody { [ticker] writer in
                // The slot is freed when this body ends (or, if it never runs, when the response is dropped).
                defer {
                    slot.release()
                    lease.end()
                }
                let heartbeats = ticker.register(mailbox)
                defer { ticker.unregister(heartbeats) }
                // Graceful shutdown ends the mailbox, which ends the response cleanly.
                try await withGracefulShutdownHandler {
                    try await Self.write(mailbox, on: connection, first: [Self.connected] + opening, feed: feed, into: &writer)
                } onGracefulShutdown: {
                    mailbox.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Writes `first`, then what the mailbox is given until it is finished and drained, with `feed` (if any) running
    /// beside: from the connection's event loop (``StreamConnection``), or, on a connection without that handler, from
    /// this task through `writer`.
    private static func write(
        _ mailbox: StreamMailbox,
        on connection: any Channel,
        first: StreamMailbox.Batch,
        feed: (@Sendable () async -> Void)?,
        into writer: inout some ResponseBodyWriter
    ) async throws {
        guard let feed else { return try await write(mailbox, on: connection, first: first, into: &writer) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await feed() }
            try await write(mailbox, on: connection, first: first, into: &writer)
            group.cancelAll()
        }
    }

    private static func write(
        _ mailbox: StreamMailbox,
        on connection: any Channel,
        first: StreamMailbox.Batch,
        into writer: inout some ResponseBodyWriter
    ) async throws {
        if await mailbox.writeOnLoop(connection, first: first) { return }
        StreamConnection.finish(mailbox, whenClosing: connection)
        try await writer.write(contentsOf: first)
        while let batch = await mailbox.next() { try await writer.write(contentsOf: batch) }
    }
}
