import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Appliance

/// The server's connections (as `serve` configures them) start reading into a 512-byte buffer (an open live stream keeps its connection's buffer),
/// and a request larger than that is still read whole.
@Suite struct SmallReceiveBuffersTests {
    @Test func connectionsStartWithASmallReceiveBuffer() throws {
        let channel = EmbeddedChannel()
        try channel.setOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator()).wait()
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: ConfigurationFile(path: "none", entries: [:]))
        let http1 = HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
        _ = try http1.setup(channel: channel, logger: Logger(label: "test")).wait()
        let allocator = try #require(try channel.getOption(ChannelOptions.recvAllocator).wait() as? AdaptiveRecvByteBufferAllocator)
        #expect(allocator.initial == 512)
        #expect(allocator.minimum == 64)
        #expect(allocator.maximum == 65_536)
        #expect(throws: (any Error).self, "it took itself out of the pipeline") {
            try channel.pipeline.syncOperations.handler(type: SmallReceiveBuffers.self)
        }
        _ = try channel.finish()
    }

    /// Headers and a body several times the first buffer: the server reads on until the request is whole.
    @Test func aRequestLargerThanTheReceiveBufferIsReadWhole() async throws {
        try await makeTestApplication().test(.live) { client in
            let padding = String(repeating: "a", count: 3_000)
            let health = try await client.execute(uri: "/healthz", method: .get, headers: [HTTPField.Name("X-Padding")!: padding])
            #expect(health.status == .ok)
            let body = #"{"email": "nobody@example.com", "password": "not-the-password"}"# + String(repeating: " ", count: 4_000)
            let login = try await client.execute(
                uri: "/api/v1/auth/login",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            )
            #expect(login.status == .unauthorized, "the padded JSON was parsed whole: \(String(buffer: login.body))")
        }
    }
}
