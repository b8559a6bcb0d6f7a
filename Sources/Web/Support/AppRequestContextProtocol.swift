import Hummingbird
import NIOCore
import Storage

/// What the shop's middleware needs to read and set on a context.
public protocol AppRequestContextProtocol: RequestContext {
    var maxUploadSize: Int { get set }
    var remoteAddress: String? { get }
    var clientAddress: String? { get set }
    var identity: Identity? { get set }
    /// The event loop of the request's connection; nil for a context built outside a server.
    var eventLoop: (any EventLoop)? { get }
}

extension AppRequestContext: AppRequestContextProtocol {}

extension AppRequestContextProtocol {
    public var eventLoop: (any EventLoop)? { nil }

    /// The signed-in identity; routes behind ``RequireRoleMiddleware`` always have one.
    func requireIdentity() throws(AppError) -> Identity {
        guard let identity else { throw AppError(.unauthorized, "Sign in to continue.") }
        return identity
    }
}
