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
/// goes away, or on graceful shutdown — an open stream never holds shutdown up.
struct EventStreamResponder: Sendable {
    let clock: any AppClock
    let heartbeat: TimeInterval

    enum Item: Sendable {
        case event(ServerSentEvent)
        case heartbeat
    }

    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    /// - Parameters:
    ///   - opening: events written first (a replay), after the connection comment.
    ///   - live: the source of later events; the stream ends when it does.
    func response(opening: [ServerSentEvent], live: AsyncStream<ServerSentEvent>) -> Response {
        Response(
            status: .ok,
            headers: Self.headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 5000\n: connected\n\n"))
                for event in opening { try await writer.write(ByteBuffer(string: event.encoded)) }
                try await self.pump(live, into: &writer)
                try await writer.finish(nil)
            }
        )
    }

    private func pump(_ live: AsyncStream<ServerSentEvent>, into writer: inout some ResponseBodyWriter) async throws {
        let (items, sink) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(64))
        // Graceful shutdown ends the item stream, which ends the response cleanly.
        try await withGracefulShutdownHandler {
            try await forward(live, heartbeatsInto: sink, draining: items, into: &writer)
        } onGracefulShutdown: {
            sink.finish()
        }
    }

    private func forward(
        _ live: AsyncStream<ServerSentEvent>,
        heartbeatsInto sink: AsyncStream<Item>.Continuation,
        draining items: AsyncStream<Item>,
        into writer: inout some ResponseBodyWriter
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in live { if case .dropped = sink.yield(.event(event)) { break } }
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
                case .event(let event): try await writer.write(ByteBuffer(string: event.encoded))
                case .heartbeat: try await writer.write(ByteBuffer(string: ": ping\n\n"))
                }
            }
            group.cancelAll()
        }
    }
}
