import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Testing
import Web

@testable import Appliance

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
}
