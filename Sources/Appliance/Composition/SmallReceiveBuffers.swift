import NIOCore

/// Makes an accepted connection read into a receive buffer that starts at 512 bytes instead of NIO's 2 KB, then takes
/// itself out of the connection's pipeline (it handles nothing).
///
/// Each connection keeps its receive buffer for as long as it is open (NIO reuses it for every read), so with
/// thousands of live streams open — each a connection that read one small `GET` and now only writes — the 2 KB
/// buffer was ~6 % of a stream's memory. NIO's adaptive allocator still grows the buffer for a connection whose reads
/// fill it (a larger request is read in more than one `read`, never cut), and shrinks it back after small reads.
/// Added through `HTTP1Channel.Configuration.additionalChannelHandlers` rather than by wrapping the server's child
/// channel, which would put one more frame (and stack slab) on every connection's task.
final class SmallReceiveBuffers: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never

    /// NIO's adaptive sizes, starting at 512 bytes (NIO's default starts at 2,048).
    static var allocator: AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            if let options = context.channel.syncOptions {
                try options.setOption(ChannelOptions.recvAllocator, value: Self.allocator)
            }
        } catch {
            context.fireErrorCaught(error)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
