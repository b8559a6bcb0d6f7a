import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A handler in each HTTP/1 connection's pipeline through which a live stream open on the connection is written, on the
/// connection's own event loop, and which ends the stream as soon as its client goes away; it also ends a request body
/// that is still arriving when the shop shuts down (``abandonBody(on:)``).
///
/// **Writing.** A stream's events go from its ``StreamMailbox`` into the pipeline here, below Hummingbird's response
/// writer: a change wakes no task per stream, only the loop, and a change to many streams is one job per loop
/// (``StreamMailbox/Drains``). Hummingbird writes the response head before the stream is handed over and the end after
/// it has finished; in between only this handler writes body parts, each batch as one HTTP/1 chunk that it frames
/// itself (``write(_:)``). When the connection stops being writable (the client reads too slowly) the mailbox keeps
/// what is pending; its writability coming back drains it.
///
/// **The client leaving.** It notices the connection's inbound side closing — the peer's FIN (an `inputClosed` event:
/// the server allows half-closed connections) or the connection closing — and finishes the open stream's mailbox.
/// Without it an open stream would notice a closed connection only when a write fails, at its next heartbeat (15 s),
/// and its slot would stay taken meanwhile.
///
/// Every method but the initialiser runs on the connection's loop. Added to every HTTP/1 connection by the appliance's
/// server configuration; on a connection without it, a stream's body task writes the stream and it ends when the
/// connection closes.
public final class StreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    /// Passes every request part on untouched.
    public typealias InboundIn = NIOAny

    private var context: ChannelHandlerContext?
    /// Whether the peer has closed its side (or the connection closed).
    private var inboundClosed = false
    /// The stream open on the connection, if any.
    private var stream: StreamMailbox?
    /// The HTTP/1 response encoder's place in the pipeline, found when a stream opens (it stays in the pipeline as long as
    /// the connection): a stream's chunks are written from there (nil on a connection without one, whose streams go
    /// through the codec).
    private var encoder: ChannelHandlerContext?

    public init() {}

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        closed()
        self.context = nil
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { stream?.drainOnLoop() }
        context.fireChannelWritabilityChanged()
    }

    private func closed() {
        inboundClosed = true
        let mailbox = stream
        stream = nil
        mailbox?.finish()
    }

    /// Whether what is written now goes out without piling up (NIO's outbound buffer below its high-water mark).
    var isWritable: Bool { context?.channel.isWritable ?? false }

    /// Starts writing `mailbox`'s stream with `first`. If the client has already gone (its FIN was read while the
    /// route ran) the stream is finished at once — after `first`, as the body task would have written it: a client that
    /// half-closed and still reads must not get later events without the replay and cursor before them.
    func open(_ mailbox: StreamMailbox, first: StreamMailbox.Batch) {
        encoder = try? context?.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        write(first)
        guard !inboundClosed, context != nil else { return mailbox.finish() }
        stream = mailbox
    }

    /// Writes `batch` as body parts of the response being sent, and flushes.
    ///
    /// Where the connection has an HTTP/1 response encoder, the whole batch goes out as one chunk framed here
    /// (`<size in hex>\r\n<bytes>\r\n`) and written from the encoder's place, so only the transport below it (TLS, the
    /// socket) sees it: one buffer and one `write` per connection per event instead of the codec's conversion and its
    /// three buffers (size line, bytes, line end) each going down the pipeline to a `writev` (bench/PROFILES.md,
    /// eleventh round). That framing is the one the encoder gives this response: a stream's head has no
    /// `Content-Length` and goes out as HTTP/1.1 (the HTTP types codec writes every head so), which the encoder sends
    /// chunked; a HEAD request never runs a stream's body (Hummingbird answers a HEAD to a GET route with the head alone,
    /// and the shop has no HEAD or CONNECT stream route: such a route must not be written this way, since the encoder
    /// would drop its body and this path does not). The head and the end still go through the codec, before the stream
    /// is handed over and after it has finished, so the encoder's own state stays right.
    func write(_ batch: StreamMailbox.Batch) {
        guard let context, !batch.isEmpty else { return }
        guard let encoder else {
            for bytes in batch { context.write(NIOAny(HTTPResponsePart.body(bytes)), promise: nil) }
            return context.flush()
        }
        let size = batch.reduce(0) { $0 + $1.readableBytes }
        guard size > 0 else { return }  // an empty chunk would end the response
        var chunk = context.channel.allocator.buffer(capacity: size + 20)
        chunk.writeString(String(size, radix: 16))
        chunk.writeStaticString("\r\n")
        for bytes in batch { chunk.writeImmutableBuffer(bytes) }
        chunk.writeStaticString("\r\n")
        encoder.write(NIOAny(IOData.byteBuffer(chunk)), promise: nil)
        encoder.flush()
    }

    /// `mailbox`'s stream has ended: the connection (kept alive for its next request) no longer holds it.
    func release(_ mailbox: StreamMailbox) {
        if stream === mailbox { stream = nil }
    }

    /// Ends the wait for the rest of a request body on `channel` (``AppRequestContext/bodyCutoff``): on the connection's
    /// loop, ``BodyAbandoned`` goes from here to the handlers after this one, and the request parts' async stream, which
    /// the body is read from, ends with that error. From inside the pipeline, so over TLS too (NIOSSL refuses to close a
    /// connection's read side alone). A connection without this handler has its read side closed instead (plain TCP only:
    /// the body then ends early or with a parse error, and the middleware abandons it either way).
    public static func abandonBody(on channel: any Channel) {
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: StreamConnection.self), let context = handler.context else {
                return channel.close(mode: .input, promise: nil)
            }
            context.fireErrorCaught(BodyAbandoned())
        }
    }

    /// Finishes `mailbox` when `channel` closes (or at once if it has): the watch for a stream written by its body
    /// task, on a connection without this handler. The connection holds the mailbox until it closes (only the tests'
    /// in-memory connections lack the handler).
    static func finish(_ mailbox: StreamMailbox, whenClosing channel: any Channel) {
        channel.closeFuture.whenComplete { _ in mailbox.finish() }
    }
}

/// The error a request body abandoned at shutdown ends with (``StreamConnection/abandonBody(on:)``); the shop answers
/// the request with a 503.
public struct BodyAbandoned: Error {}
