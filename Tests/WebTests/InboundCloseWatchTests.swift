import NIOCore
import NIOEmbedded
import Testing

@testable import Web

/// A live stream learns from its connection's pipeline, not from a task reading the connection, that its client went
/// away: the peer's FIN or the connection closing finishes the watched mailbox, once, and the events still travel on.
@Suite struct InboundCloseWatchTests {
    /// Records the events that reach the end of the pipeline.
    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = NIOAny
        var inputClosed = 0
        var inactive = 0

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { inputClosed += 1 }
        }

        func channelInactive(context: ChannelHandlerContext) { inactive += 1 }
    }

    private func connection(watching: Bool = true) throws -> (EmbeddedChannel, Recorder) {
        let channel = EmbeddedChannel()
        if watching { try channel.pipeline.syncOperations.addHandler(InboundCloseWatch()) }
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return (channel, recorder)
    }

    /// Whether the mailbox still takes events (a finished one ignores them).
    private func isOpen(_ mailbox: StreamMailbox) -> Bool {
        mailbox.send(ByteBuffer(string: "x"))
    }

    @Test func thePeersFinFinishesTheWatchedMailboxAndTheEventTravelsOn() throws {
        let (channel, recorder) = try connection()
        let mailbox = StreamMailbox()
        InboundCloseWatch.finish(mailbox, whenInboundCloses: channel)
        channel.embeddedEventLoop.run()
        #expect(isOpen(mailbox))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!isOpen(mailbox))
        #expect(recorder.inputClosed == 1)
        _ = try channel.finish()
    }

    @Test func theConnectionClosingFinishesTheWatchedMailboxAndTheEventTravelsOn() throws {
        let (channel, recorder) = try connection()
        let mailbox = StreamMailbox()
        InboundCloseWatch.finish(mailbox, whenInboundCloses: channel)
        channel.embeddedEventLoop.run()
        try channel.close().wait()
        #expect(!isOpen(mailbox))
        #expect(recorder.inactive == 1)
    }

    /// The client left before the stream began to watch (its FIN was read while the route ran): finished at once.
    @Test func aMailboxWatchedAfterThePeersFinIsFinishedAtOnce() throws {
        let (channel, _) = try connection()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let mailbox = StreamMailbox()
        InboundCloseWatch.finish(mailbox, whenInboundCloses: channel)
        channel.embeddedEventLoop.run()
        #expect(!isOpen(mailbox))
        _ = try channel.finish()
    }

    @Test func aMailboxWatchedAfterTheConnectionClosedIsFinishedAtOnce() throws {
        let (channel, _) = try connection()
        try channel.close().wait()
        let mailbox = StreamMailbox()
        InboundCloseWatch.finish(mailbox, whenInboundCloses: channel)
        channel.embeddedEventLoop.run()
        #expect(!isOpen(mailbox))
    }

    /// A stream that ended on its own is forgotten: the connection (kept alive for the next request) neither holds nor
    /// finishes it, and the next stream on the connection is watched in its place.
    @Test func aForgottenMailboxIsLeftAloneAndTheNextStreamIsWatched() throws {
        let (channel, _) = try connection()
        let first = StreamMailbox()
        InboundCloseWatch.finish(first, whenInboundCloses: channel)
        InboundCloseWatch.forget(first, on: channel)
        channel.embeddedEventLoop.run()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(isOpen(first))

        let (next, _) = try connection()
        let ended = StreamMailbox()
        InboundCloseWatch.finish(ended, whenInboundCloses: next)
        InboundCloseWatch.forget(ended, on: next)
        let second = StreamMailbox()
        InboundCloseWatch.finish(second, whenInboundCloses: next)
        InboundCloseWatch.forget(ended, on: next)  // late: the next stream's watch stays
        next.embeddedEventLoop.run()
        next.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(isOpen(ended))
        #expect(!isOpen(second))
        _ = try channel.finish()
        _ = try next.finish()
    }

    /// On a connection without the handler a half-close goes unnoticed; the connection closing still ends the stream.
    @Test func aConnectionWithoutTheHandlerEndsTheStreamWhenItCloses() throws {
        let (channel, recorder) = try connection(watching: false)
        let mailbox = StreamMailbox()
        InboundCloseWatch.finish(mailbox, whenInboundCloses: channel)
        channel.embeddedEventLoop.run()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(isOpen(mailbox))
        #expect(recorder.inputClosed == 1)
        try channel.close().wait()
        channel.embeddedEventLoop.run()
        #expect(!isOpen(mailbox))
    }
}
