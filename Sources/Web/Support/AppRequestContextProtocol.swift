import Hummingbird
import Logging
import NIOCore
import Storage

/// What the shop's middleware needs to read and set on a context.
public protocol AppRequestContextProtocol: RequestContext {
    var maxUploadSize: Int { get set }
    /// The connection's peer as the transport gave it (nil without one, as in router tests).
    var peerAddress: SocketAddress? { get }
    /// The connection the request came on (a live stream watches it to end when the client goes away).
    var channel: any Channel { get }
    /// Ends the wait for a request body that is still arriving: ``BodyLimitMiddleware`` pulls it when the shop shuts down
    /// or the request is cancelled while the body is collected. The shop's contexts end the connection's request parts
    /// with an error from inside its pipeline (``StreamConnection/abandonBody(on:)``), so the body's next read fails.
    var bodyCutoff: @Sendable () -> Void { get }
    var remoteAddress: String? { get }
    /// The client's address for logs and per-IP throttling. Without a trusted proxy ``ClientAddressMiddleware`` sets
    /// nothing, so a context must answer its peer's address (``remoteAddress``) until something is set: one that
    /// answers nil would leave every request unthrottled.
    var clientAddress: String? { get set }
    var identity: Identity? { get set }
}

extension AppRequestContext: AppRequestContextProtocol {}

extension AppRequestContextProtocol {
    /// The signed-in identity; routes behind ``RequireRoleMiddleware`` always have one.
    func requireIdentity() throws(AppError) -> Identity {
        guard let identity else { throw AppError(.unauthorized, "Sign in to continue.") }
        return identity
    }
}

extension AppRequestContextProtocol {
    /// The request's logger for a line about this request: with the client's address (`client`) when the logger does
    /// not carry it yet. The shop's edge tags every request's logger only while request logs are on
    /// (``ClientAddressMiddleware/identifyClient(of:in:taggingLogger:)``), so a line written without it would lack the
    /// client.
    var requestLogger: Logger {
        let key = ClientAddressMiddleware<Self>.logKey
        guard logger[metadataKey: key] == nil, let client = clientAddress else { return logger }
        var logger = logger
        logger[metadataKey: key] = .string(client)
        return logger
    }
}
