import Logging

/// Keeps a logger's metadata to itself and hands it to the wrapped handler only when a line is written.
/// `StreamLogHandler` re-renders its whole metadata text on every change, and every request's logger gets
/// metadata (its request id), while at the default level almost no request writes a line: that rendering was
/// ~7 % of the CPU of a `/healthz` under load.
///
/// The two keys a request's logger gets (Hummingbird's `hb.request.id`; the shop's `client` while request logs are on, else
/// only on a line about the request) have fields of their own:
/// setting them copies and rehashes no dictionary, and reading the request id (every response carries it) hashes nothing.
struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    static var requestIDKey: String { "hb.request.id" }
    static var clientKey: String { "client" }

    var inner: Inner
    private var requestID: Logger.Metadata.Value?
    private var client: Logger.Metadata.Value?
    private var others: Logger.Metadata = [:]

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

    var metadata: Logger.Metadata {
        get {
            var all = others
            if let requestID { all[Self.requestIDKey] = requestID }
            if let client { all[Self.clientKey] = client }
            return all
        }
        set {
            var rest = newValue
            requestID = rest.removeValue(forKey: Self.requestIDKey)
            client = rest.removeValue(forKey: Self.clientKey)
            others = rest
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get {
            switch key {
            case Self.requestIDKey: requestID
            case Self.clientKey: client
            default: others[key]
            }
        }
        set {
            switch key {
            case Self.requestIDKey: requestID = newValue
            case Self.clientKey: client = newValue
            default: others[key] = newValue
            }
        }
    }

    /// The line's own metadata wins over the logger's, as in every handler. The logger's reaches the wrapped handler as
    /// the line's, so it also wins over a `metadataProvider`'s values of the same key (none is configured today).
    func log(event: LogEvent) {
        var event = event
        let metadata = self.metadata
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        inner.log(event: event)
    }
}
