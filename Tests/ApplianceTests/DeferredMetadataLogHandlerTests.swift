import Logging
import Synchronization
import Testing

@testable import Appliance

/// Records what reaches it, and how often its own metadata was touched.
private final class RecordingBox: Sendable {
    let events = Mutex<[(message: String, metadata: Logger.Metadata?)]>([])
    let metadataWrites = Atomic<Int>(0)
}

private struct RecordingHandler: LogHandler {
    let box: RecordingBox
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:] {
        didSet { box.metadataWrites.add(1, ordering: .relaxed) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        box.events.withLock { $0.append((event.message.description, event.metadata)) }
    }
}

@Suite struct DeferredMetadataLogHandlerTests {
    /// A logger's metadata reaches the written line (the line's own keys win), but setting it never touches the
    /// wrapped handler — that is the whole point: no re-rendering per request.
    @Test func metadataReachesTheLineWithoutTouchingTheWrappedHandler() {
        let box = RecordingBox()
        var logger = Logger(label: "test") { _ in DeferredMetadataLogHandler(RecordingHandler(box: box)) }
        logger.logLevel = .info
        for n in 0..<100 { logger[metadataKey: "hb.request.id"] = "\(n)" }
        logger[metadataKey: "shared"] = "logger"
        logger.debug("below the level")
        logger.info("written", metadata: ["shared": "line", "own": "1"])
        #expect(box.metadataWrites.load(ordering: .relaxed) == 0)
        let events = box.events.withLock { $0 }
        #expect(events.count == 1 && events.first?.message == "written")
        #expect(events.first?.metadata == ["hb.request.id": "99", "shared": "line", "own": "1"])
    }
}

/// The request id and the client have fields of their own; through every door they act like any other key.
@Suite struct DeferredMetadataKeysTests {
    @Test func theRequestIDAndClientKeysActLikeAnyOther() {
        let box = RecordingBox()
        var logger = Logger(label: "test") { _ in DeferredMetadataLogHandler(RecordingHandler(box: box)) }
        logger[metadataKey: "hb.request.id"] = "r1"
        logger[metadataKey: "client"] = "203.0.113.9"
        logger[metadataKey: "other"] = "o"
        #expect(logger[metadataKey: "hb.request.id"] == "r1" && logger[metadataKey: "client"] == "203.0.113.9")
        #expect(logger.handler.metadata == ["hb.request.id": "r1", "client": "203.0.113.9", "other": "o"])
        logger.info("one", metadata: ["client": "line"])
        logger[metadataKey: "client"] = nil
        #expect(logger[metadataKey: "client"] == nil)
        logger.handler.metadata = ["client": "c2", "x": "y"]
        #expect(logger[metadataKey: "hb.request.id"] == nil && logger[metadataKey: "client"] == "c2" && logger[metadataKey: "x"] == "y")
        logger.info("two")
        let events = box.events.withLock { $0 }
        #expect(events.map(\.metadata) == [["hb.request.id": "r1", "client": "line", "other": "o"], ["client": "c2", "x": "y"]])
    }
}
