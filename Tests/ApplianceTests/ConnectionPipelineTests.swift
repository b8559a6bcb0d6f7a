import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Testing
import Web

@testable import Appliance

/// Every HTTP/1 connection `serve` configures carries the handler that tells a live stream its client went away
/// (without it an open stream would notice only at its next failed write, and its slot would stay taken until then).
@Suite struct ConnectionPipelineTests {
    @Test func everyConnectionWatchesForItsClientGoingAway() throws {
        let channel = EmbeddedChannel()
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: ConfigurationFile(path: "none", entries: [:]))
        let http1 = HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
        _ = try http1.setup(channel: channel, logger: Logger(label: "test")).wait()
        let watch = try channel.pipeline.syncOperations.handler(type: InboundCloseWatch.self)
        let other = EmbeddedChannel()
        _ = try HTTP1Channel(responder: { _, _, _ in }, configuration: http1Configuration(configuration))
            .setup(channel: other, logger: Logger(label: "test")).wait()
        #expect(try other.pipeline.syncOperations.handler(type: InboundCloseWatch.self) !== watch, "one handler per connection")
        _ = try channel.finish()
        _ = try other.finish()
    }
}
