import NIOCore

/// Ends a live stream as soon as its client goes away: a handler in each connection's pipeline that notices the
/// connection's inbound side closing — the peer's FIN (an `inputClosed` event: the server allows half-closed
/// connections) or the connection closing — and finishes the mailbox of the stream open on it.
///
/// Without it an open stream notices a closed connection only when a write fails, at its next heartbeat (15 s): until
/// then its slot stays taken, and quick page-to-page browsing from one address runs into the cap. Hummingbird's
/// `consumeWithInboundCloseHandler` notices it by iterating the connection's request parts in a child task, which an
/// open stream then keeps — a task, its task group and ~6 KB of async-stack slabs; here the event loop notices it,
/// and an open stream costs one reference in this handler.
///
/// Its state belongs to the connection's event loop: ``finish(_:whenInboundCloses:)`` and ``forget(_:on:)`` hop there
/// without waiting (in order, as the loop runs what it is given in order). Added to every HTTP/1 connection by the
/// appliance's server configuration; on a connection without it, a stream ends when the connection closes.
public final class InboundCloseWatch: ChannelInboundHandler, RemovableChannelHandler {
    /// Passes every request part on untouched.
    public typealias InboundIn = NIOAny

    /// Whether the peer has closed its side (or the connection closed).
    private var inboundClosed = false
    /// The mailbox of the stream open on the connection, if any.
    private var watched: StreamMailbox?

    public init() {}

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    private func closed() {
        inboundClosed = true
        let mailbox = watched
        watched = nil
        mailbox?.finish()
    }

    /// Finishes `mailbox` when `channel`'s inbound side closes, or at once if it has already closed, unless
    /// ``forget(_:on:)`` comes first. Returns at once: the watch starts on the loop.
    static func finish(_ mailbox: StreamMailbox, whenInboundCloses channel: any Channel) {
        channel.eventLoop.execute {
            guard let watch = try? channel.pipeline.syncOperations.handler(type: InboundCloseWatch.self) else {
                // Not in the pipeline: a connection that has closed (NIO removes the handlers, then completes the close
                // future, in one step on the loop: this runs at once), or one without the handler (it ends the stream
                // only when it closes).
                return channel.closeFuture.whenComplete { _ in mailbox.finish() }
            }
            if watch.inboundClosed { return mailbox.finish() }
            watch.watched = mailbox
        }
    }

    /// Stops watching for `mailbox` (its stream has ended), so that a keep-alive connection does not hold it.
    static func forget(_ mailbox: StreamMailbox, on channel: any Channel) {
        channel.eventLoop.execute {
            guard let watch = try? channel.pipeline.syncOperations.handler(type: InboundCloseWatch.self) else { return }
            if watch.watched === mailbox { watch.watched = nil }
        }
    }
}
