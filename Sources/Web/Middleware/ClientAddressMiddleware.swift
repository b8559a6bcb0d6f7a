import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Finds the client's address for throttling and logs. The peer of the connection is the client, unless it
/// is one of `TRUSTED_PROXIES`: then `X-Forwarded-For` is read from the right, skipping trusted proxies, and
/// the first address not trusted is the client. A header from an untrusted peer is ignored (anyone can send one).
public struct ClientAddressMiddleware<Context: AppRequestContextProtocol>: RouterMiddleware {
    let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        identifyClient(of: request, in: &context)
        return try await next(request, context)
    }

    /// Sets the context's client address (and the logger's `client` metadata) for `request`. Without trusted proxies the
    /// client is the peer, which the context already holds: nothing is read or formatted here, and the metadata formats
    /// the address only if a line is written (most requests write none).
    func identifyClient(of request: Request, in context: inout Context) {
        guard !trustedProxies.isEmpty else {
            if let peer = context.peerAddress, let client = PeerAddressText(peer) {
                context.logger[metadataKey: "client"] = .stringConvertible(client)
            }
            return
        }
        let client = clientAddress(peer: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor])
        context.clientAddress = client
        if let client { context.logger[metadataKey: "client"] = .string(client) }
    }

    /// The client behind `peer`, given the `X-Forwarded-For` header lines (oldest hop first).
    func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard var client = peer, isTrusted(client) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPNetwork.bytes(of: hop) != nil else { break }  // garbage: stop at the last address we could read
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }

    private func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
