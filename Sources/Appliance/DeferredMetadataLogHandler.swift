import Logging

/// Keeps a logger's metadata to itself and hands it to the wrapped handler only when a line is written.
/// `StreamLogHandler` re-renders its whole metadata text on every change, and every request's logger gets
/// metadata (its request id), while at the default level almost no request writes a line: that rendering was
/// ~7 % of the CPU of a `/healthz` under load.
struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    var inner: Inner
    var metadata: Logger.Metadata = [:]

    init(_ inner: Inner) {
        self.inner = inner
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The line's own metadata wins over the logger's, as in every handler.
    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        inner.log(event: event)
    }
}
