import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import TestSupport
import Testing

@testable import Appliance
@testable import Web

/// Every HTTP/1 connection `serve` configures carries the handler that writes a live stream from the connection's loop
/// and tells it its client went away (without it an open stream would be written by a task woken per event, and would
/// notice a closed connection only at its next failed write, its slot taken until then).
@Suite struct ConnectionPipelineTests {
    @Test func everyConnectionCarriesItsOwnStreamConnectionHandler() throws {
        let channel = EmbeddedChannel()
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: ConfigurationFile(path: "none", entries: [:]))
        let http1 = HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
        _ = try http1.setup(channel: channel, logger: Logger(label: "test")).wait()
        let watch = try channel.pipeline.syncOperations.handler(type: StreamConnection.self)
        let other = EmbeddedChannel()
        _ = try HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
            .setup(channel: other, logger: Logger(label: "test")).wait()
        #expect(try other.pipeline.syncOperations.handler(type: StreamConnection.self) !== watch, "one handler per connection")
        _ = try channel.finish()
        _ = try other.finish()
    }

    /// Through a connection's real HTTP/1 pipeline, a stream written from the loop goes out between its response's
    /// head (written by Hummingbird's writer before the hand-over) and its end (written after the stream finished),
    /// framed as chunks, in order.
    @Test func aStreamWrittenFromTheLoopGoesOutBetweenItsHeadAndItsEnd() async throws {
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: ConfigurationFile(path: "none", entries: [:]))
        let http1 = HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
        let channel = NIOAsyncTestingChannel()
        let setUp = try await channel.testingEventLoop.submit { http1.setup(channel: channel, logger: Logger(label: "test")) }.get()
        let connection = try await setUp.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).get()
        try await channel.writeInbound(ByteBuffer(string: "GET /api/v1/flash-sales/s/stream HTTP/1.1\r\nHost: shop\r\n\r\n"))
        try await connection.executeThenClose { _, outbound in
            try await outbound.write(.head(HTTPResponse(status: .ok)))
            let mailbox = StreamMailbox()
            let stream = Task { await mailbox.writeOnLoop(channel, first: [ByteBuffer(string: "opening")]) }
            try await eventually("the loop took the stream over") { mailbox.isWrittenByLoop }
            mailbox.send(ByteBuffer(string: "event"))
            mailbox.finish()
            #expect(await stream.value)
            try await outbound.write(.end(nil))
        }
        var wire = ""
        while let data = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = data else { continue }
            wire += String(buffer: bytes)
        }
        #expect(wire.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(wire)")
        #expect(wire.hasSuffix("\r\n\r\n7\r\nopening\r\n5\r\nevent\r\n0\r\n\r\n"), "\(wire)")
    }
}
