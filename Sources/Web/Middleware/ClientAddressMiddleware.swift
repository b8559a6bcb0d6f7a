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
        identifyClient(of: request, in: &context, taggingLogger: true)
        return try await next(request, context)
    }

    /// Sets the context's client address for `request`, and with `taggingLogger` the logger's `client` metadata. Without
    /// trusted proxies the client is the peer, which the context already holds: nothing is read or formatted here, and
    /// the metadata formats the address only if a line is written.
    ///
    /// The shop's edge tags the logger only when every request writes a line (request logs on): setting metadata copies
    /// the request's logger, and at the default level almost no request writes one. A line about a request takes its
    /// logger from ``AppRequestContextProtocol/requestLogger``, which adds the client then.
    func identifyClient(of request: Request, in context: inout Context, taggingLogger: Bool) {
        guard !trustedProxies.isEmpty else {
            if taggingLogger, let peer = context.peerAddress, let client = PeerAddressText(peer) {
                context.logger[metadataKey: Self.logKey] = .stringConvertible(client)
            }
            return
        }
        let client = clientAddress(peer: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor])
        context.clientAddress = client
        if taggingLogger, let client { context.logger[metadataKey: Self.logKey] = .string(client) }
    }

    /// The metadata key of the client's address in log lines.
    static var logKey: String { "client" }

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
