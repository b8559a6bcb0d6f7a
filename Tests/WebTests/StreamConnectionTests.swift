import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization
import TestSupport
import Testing

@testable import Web

/// A live stream is written from its connection's event loop through the ``StreamConnection`` handler: in order, with
/// snapshots coalesced while the client reads too slowly, a client too far behind ended rather than buffered, and the
/// stream ended on the loop as soon as its client goes away — the peer's FIN or the connection closing — while those
/// events still travel on up the pipeline.
@Suite(.timeLimit(.minutes(1))) struct StreamConnectionTests {
    /// A connected in-memory connection, with the handler unless `writing` is false.
    private func connection(writing: Bool = true) async throws -> NIOAsyncTestingChannel {
        let channel = try await NIOAsyncTestingChannel { channel in
            if writing { try channel.pipeline.syncOperations.addHandler(StreamConnection()) }
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).get()
        return channel
    }

    private func buffers(_ texts: [String]) -> StreamMailbox.Batch {
        texts.map { ByteBuffer(string: $0) }
    }

    /// Runs `mailbox`'s stream on `channel`'s loop (in a task, as a response body does), returning once the loop has
    /// taken it over (or, unless `handedOver`, at once).
    private func open(
        _ mailbox: StreamMailbox,
        on channel: NIOAsyncTestingChannel,
        first: [String] = ["hello"],
        handedOver: Bool = true
    ) async throws -> Task<Bool, Never> {
        let first = buffers(first)
        let stream = Task { await mailbox.writeOnLoop(channel, first: first) }
        if handedOver { try await eventually("the loop took the stream over") { mailbox.isWrittenByLoop } }
        return stream
    }

    /// What the stream's task returns once the loop has run what it was given.
    private func end(_ stream: Task<Bool, Never>, on channel: NIOAsyncTestingChannel) async -> Bool {
        await channel.testingEventLoop.run()
        return await stream.value
    }

    /// The body parts written so far, as text.
    private func written(_ channel: NIOAsyncTestingChannel) async throws -> [String] {
        await channel.testingEventLoop.run()
        var texts: [String] = []
        while let part = try await channel.readOutbound(as: HTTPResponsePart.self) {
            guard case .body(let bytes) = part else {
                Issue.record("only body parts are written, got \(part)")
                continue
            }
            texts.append(String(buffer: bytes))
        }
        return texts
    }

    @Test func theLoopWritesTheOpeningThenEveryChangeInOrderAndTheStreamEndsOnceFinishedAndDrained() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel, first: ["retry", "replay"])
        #expect(try await written(channel) == ["retry", "replay"])
        mailbox.send(ByteBuffer(string: "1"))
        mailbox.send(ByteBuffer(string: "2"))
        #expect(try await written(channel) == ["1", "2"])
        mailbox.replace(snapshot: ByteBuffer(string: "stock"))
        mailbox.heartbeat()
        mailbox.finish()
        #expect(await end(stream, on: channel), "the stream ended on the loop")
        #expect(try await written(channel) == ["stock", ": ping\n\n"], "what was pending at the finish is still written")
        #expect(!mailbox.send(ByteBuffer(string: "late")))
        #expect(try await written(channel).isEmpty)
        _ = try await channel.finish()
    }

    /// What arrives before the loop takes the stream over (between the subscription and the hand-over) follows the
    /// opening.
    @Test func whatArrivedBeforeTheHandOverFollowsTheOpening() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        mailbox.replace(snapshot: ByteBuffer(string: "newer"))
        let stream = try await open(mailbox, on: channel, first: ["opening"])
        #expect(try await written(channel) == ["opening", "newer"])
        mailbox.finish()
        #expect(await end(stream, on: channel))
        _ = try await channel.finish()
    }

    /// While the connection is not writable the loop takes nothing: snapshots coalesce to the newest, as they would
    /// with a body task blocked on its writes; writability coming back writes what is pending.
    @Test func aConnectionThatIsNotWritableKeepsOnlyTheNewestSnapshotUntilItIsWritableAgain() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel)
        #expect(try await written(channel) == ["hello"])
        channel.isWritable = false
        for text in ["s1", "s2", "s3"] { mailbox.replace(snapshot: ByteBuffer(string: text)) }
        #expect(try await written(channel).isEmpty)
        #expect(mailbox.pendingCount == 1)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try await written(channel) == ["s3"])
        mailbox.finish()
        #expect(await end(stream, on: channel))
        _ = try await channel.finish()
    }

    /// A client that stops reading is not buffered without limit: `limit` events wait, the next ends the stream, and
    /// the events it had are still written before the end.
    @Test func aClientTooFarBehindIsEndedAndWhatItHadIsWritten() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox(limit: 2)
        let stream = try await open(mailbox, on: channel)
        #expect(try await written(channel) == ["hello"])
        channel.isWritable = false
        #expect(mailbox.send(ByteBuffer(string: "1")) && mailbox.send(ByteBuffer(string: "2")))
        #expect(!mailbox.send(ByteBuffer(string: "3")))
        #expect(await end(stream, on: channel))
        #expect(try await written(channel) == ["1", "2"])
        _ = try await channel.finish()
    }

    @Test func thePeersFinEndsTheStreamAndTheEventTravelsOn() async throws {
        let channel = try await connection()
        let seen = EventCounter()
        try await channel.pipeline.addHandler(seen).get()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(await end(stream, on: channel))
        await channel.testingEventLoop.run()
        #expect(seen.inputClosed.withLock { $0 } == 1)
        #expect(!mailbox.send(ByteBuffer(string: "x")))
        _ = try await channel.finish()
    }

    @Test func theConnectionClosingEndsTheStream() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel)
        try await channel.close()
        #expect(await end(stream, on: channel))
        #expect(!mailbox.send(ByteBuffer(string: "x")))
    }

    /// The client half-closed before the stream was handed over (its FIN was read while the route ran): the stream
    /// ends at once, after its opening and what was pending — never later events without the replay before them.
    @Test func aStreamHandedOverAfterThePeersFinWritesItsOpeningAndEndsAtOnce() async throws {
        let channel = try await connection()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        await channel.testingEventLoop.run()
        let mailbox = StreamMailbox()
        mailbox.send(ByteBuffer(string: "live"))
        let stream = try await open(mailbox, on: channel, first: ["retry", "replay"], handedOver: false)
        #expect(await end(stream, on: channel))
        #expect(try await written(channel) == ["retry", "replay", "live"])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    /// A stream finished before the loop took it over (graceful shutdown, or its source ending, while the route
    /// answered) is still written in full and ends on the loop.
    @Test func aStreamFinishedBeforeTheHandOverIsWrittenAndEnds() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        mailbox.replace(snapshot: ByteBuffer(string: "stock"))
        mailbox.finish()
        let stream = try await open(mailbox, on: channel, handedOver: false)
        #expect(await end(stream, on: channel))
        #expect(try await written(channel) == ["hello", "stock"])
        _ = try await channel.finish()
    }

    /// The opening goes out even while the connection is not writable (it is bounded); what came after waits for the
    /// writability to come back.
    @Test func aConnectionNotWritableAtTheHandOverGetsTheOpeningAndTheRestWhenWritable() async throws {
        let channel = try await connection()
        channel.isWritable = false
        let mailbox = StreamMailbox()
        mailbox.replace(snapshot: ByteBuffer(string: "stock"))
        let stream = try await open(mailbox, on: channel)
        #expect(try await written(channel) == ["hello"])
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try await written(channel) == ["stock"])
        mailbox.finish()
        #expect(await end(stream, on: channel))
        _ = try await channel.finish()
    }

    /// The handler leaving the pipeline (the connection being torn down) ends the stream; nothing more is written.
    @Test func theHandlerLeavingThePipelineEndsTheStream() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel)
        #expect(try await written(channel) == ["hello"])
        try await channel.testingEventLoop.executeInContext {
            let operations = channel.pipeline.syncOperations
            operations.removeHandler(try operations.handler(type: StreamConnection.self), promise: nil)
        }
        #expect(await end(stream, on: channel))
        #expect(!mailbox.send(ByteBuffer(string: "x")))
        #expect(try await written(channel).isEmpty)
        _ = try await channel.finish()
    }

    /// Cancelling the body task before the loop took the stream over ends it too (once the loop has run).
    @Test func cancellingTheBodyTaskBeforeTheHandOverEndsTheStream() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel, handedOver: false)
        stream.cancel()
        #expect(await end(stream, on: channel))
        #expect(!mailbox.send(ByteBuffer(string: "x")))
        _ = try await channel.finish()
    }

    /// Graceful shutdown or a cancelled body ends the stream through the loop, after what is pending.
    @Test func cancellingTheBodyTaskEndsTheStream() async throws {
        let channel = try await connection()
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel)
        stream.cancel()
        #expect(await end(stream, on: channel))
        #expect(!mailbox.send(ByteBuffer(string: "x")))
        _ = try await channel.finish()
    }

    /// A stream that ended on its own is let go: the connection (kept alive for the next request) neither holds nor
    /// ends it, and the next stream on the connection is written and watched in its place.
    @Test func anEndedStreamIsLetGoAndTheNextStreamOnTheConnectionIsWrittenAndWatched() async throws {
        let channel = try await connection()
        let first = StreamMailbox()
        let firstStream = try await open(first, on: channel, first: ["first"])
        first.finish()
        #expect(await end(firstStream, on: channel))
        let second = StreamMailbox()
        let secondStream = try await open(second, on: channel, first: ["second"])
        second.send(ByteBuffer(string: "2"))
        #expect(try await written(channel) == ["first", "second", "2"])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(await end(secondStream, on: channel))
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    /// Without the handler (the tests' in-memory connections) nothing is written from the loop: the body task is told
    /// to write the stream itself, and the stream ends when the connection closes.
    @Test func aConnectionWithoutTheHandlerLeavesTheStreamToItsTaskAndEndsItWhenClosing() async throws {
        let channel = try await connection(writing: false)
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel, handedOver: false)
        #expect(await end(stream, on: channel) == false)
        #expect(try await written(channel).isEmpty)
        StreamConnection.finish(mailbox, whenClosing: channel)
        #expect(mailbox.send(ByteBuffer(string: "x")))
        try await channel.close()
        await channel.testingEventLoop.run()
        #expect(!mailbox.send(ByteBuffer(string: "y")))
    }

    /// One change to many streams leaves one drain per stream written from a loop, run together; a stream written by
    /// its body task is woken at once instead.
    @Test func oneChangeToManyStreamsIsWrittenByEachConnectionsLoop() async throws {
        let channels = [try await connection(), try await connection()]
        let mailboxes = [StreamMailbox(), StreamMailbox()]
        var streams: [Task<Bool, Never>] = []
        for (mailbox, channel) in zip(mailboxes, channels) { streams.append(try await open(mailbox, on: channel)) }
        let byTask = StreamMailbox()
        let parked = Task { await byTask.next() }
        while !byTask.hasParkedWriter { await Task.yield() }
        var drains = StreamMailbox.Drains()
        for mailbox in mailboxes + [byTask] { mailbox.replace(snapshot: ByteBuffer(string: "stock"), into: &drains) }
        #expect(drains.count == 2)
        #expect(await parked.value.map { $0.map { String(buffer: $0) } } == ["stock"])
        for channel in channels { #expect(try await written(channel) == ["hello"], "nothing written before the run") }
        drains.run()
        for channel in channels { #expect(try await written(channel) == ["stock"]) }
        for mailbox in mailboxes { mailbox.finish() }
        for (stream, channel) in zip(streams, channels) { #expect(await end(stream, on: channel)) }
        for channel in channels { _ = try await channel.finish() }
    }

    /// On a connection with an HTTP/1 response encoder (a server's), each batch leaves as one buffer holding one
    /// complete chunk, framed by the handler and written below the encoder; the head before it and the end after it go
    /// through the encoder, and the whole is a well-formed chunked response carrying every event in order.
    @Test func throughAnEncoderEachBatchLeavesAsOneBufferHoldingOneChunk() async throws {
        // A server's order: the encoder, the HTTP types codec, then this handler.
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try channel.pipeline.syncOperations.addHandler(StreamConnection())
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).get()
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        let mailbox = StreamMailbox()
        let stream = try await open(mailbox, on: channel, first: ["retry: 5000\n", ": connected\n\n"])
        mailbox.send(ByteBuffer(string: "id: 1\n\n"))
        mailbox.send(ByteBuffer(string: "id: 2\n\n"))
        mailbox.replace(snapshot: ByteBuffer(string: "event: stock\ndata: {}\n\n"))
        mailbox.finish()
        #expect(await end(stream, on: channel))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        var buffers: [String] = []
        while let data = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = data else { continue }
            buffers.append(String(buffer: bytes))
        }
        try #require(buffers.count >= 4, "head, opening, at least one more chunk, end: \(buffers)")
        let head = buffers.removeFirst()
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.lowercased().contains("transfer-encoding: chunked"), "\(head)")
        #expect(buffers.last == "0\r\n\r\n", "the end, from the encoder: \(buffers)")
        var body = ""
        for buffer in buffers.dropLast() {
            // One complete chunk per buffer: its size line, exactly that many bytes, the line end.
            let parts = buffer.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false)
            let size = parts.count == 2 ? Int(parts[0], radix: 16) : nil
            let rest = parts.count == 2 ? String(parts[1]) : ""
            #expect(size != nil && rest.utf8.count == (size ?? 0) + 2 && rest.hasSuffix("\r\n"), "not one whole chunk: \(buffer.debugDescription)")
            body += String(decoding: rest.utf8.dropLast(2), as: UTF8.self)  // bytes: "\r\n" is one Character
        }
        #expect(buffers.first == "19\r\nretry: 5000\n: connected\n\n\r\n", "the opening's two buffers make one chunk")
        #expect(body == "retry: 5000\n: connected\n\nid: 1\n\nid: 2\n\nevent: stock\ndata: {}\n\n")
        _ = try await channel.finish()
    }

    /// A body abandoned at shutdown ends with ``BodyAbandoned`` sent from the handler on to the handlers after it — where
    /// the request parts' stream is, in a server — on the connection's loop, and nothing is closed or written.
    @Test func anAbandonedBodyEndsWithAnErrorSentOnFromTheHandler() async throws {
        let channel = try await connection()
        StreamConnection.abandonBody(on: channel)
        await channel.testingEventLoop.run()
        await #expect(throws: BodyAbandoned.self) { try await channel.throwIfErrorCaught() }
        let active = channel.isActive
        let written = try await channel.readOutbound(as: HTTPResponsePart.self)
        #expect(active)
        #expect(written == nil)
        _ = try await channel.finish()
    }
}

/// Counts the peer's FINs that travel past the handler.
private final class EventCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let inputClosed = Mutex(0)

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { inputClosed.withLock { $0 += 1 } }
        context.fireUserInboundEventTriggered(event)
    }
}
