import Foundation
import Hummingbird
import NIOCore
import Storage

/// The per-request context every route and middleware of the shop sees.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Largest body this request may send; ``BodyLimitMiddleware`` sets it per route group.
    public var maxUploadSize: Int
    /// The connection's peer, kept as the transport gave it when the request arrived: turning it into text costs more
    /// than most requests need. Read here, not when asked: NIO forgets a channel's addresses when it closes, and a
    /// request whose client reset the connection must still be throttled under its own address (read later it would
    /// fall into the shared `unknown` key, a second allowance for anyone who resets).
    public let peerAddress: SocketAddress?
    /// The connection the request came on (a live stream watches it to end when the client goes away).
    public let channel: any Channel
    /// What ``ClientAddressMiddleware`` found behind a trusted proxy; nil while the peer is the client.
    private var forwardedClient: String??
    /// The signed-in user, set by ``AuthenticationMiddleware``; nil for anonymous requests.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = BodyLimitMiddleware<Self>.defaultLimit
        self.peerAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// Ends a body still arriving on the connection with an error (``StreamConnection/abandonBody(on:)``).
    public var bodyCutoff: @Sendable () -> Void {
        { [channel] in StreamConnection.abandonBody(on: channel) }
    }

    /// The peer's IP address, when the transport knows it (used for per-IP throttling), formatted when read.
    public var remoteAddress: String? { peerAddress?.ipAddress }

    /// The client's address: the peer, or what a trusted proxy forwarded (``ClientAddressMiddleware``).
    public var clientAddress: String? {
        get {
            if case .some(let forwarded) = forwardedClient { return forwarded }
            return remoteAddress
        }
        set { forwardedClient = .some(newValue) }
    }

    public var requestDecoder: JSONRequestDecoder { JSONRequestDecoder() }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
}

/// The JSON conventions of the API: ISO-8601 UTC timestamps, stable key order.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A JSON response that no cache keeps (for answers that are private to the caller).
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Whether a `Content-Type` names JSON: `application/json` or `application/…+json`, any parameters.
    static func isJSON(_ contentType: String?) -> Bool {
        if contentType == "application/json" { return true }  // what nearly every client sends: no parsing
        guard let contentType, let mediaType = MediaType(from: contentType), mediaType.type == .application else { return false }
        let subtype = mediaType.subType.lowercased()
        return subtype == "json" || subtype.hasSuffix("+json")
    }
}

/// Decodes request bodies as JSON, and only bodies that say they are JSON: Hummingbird's `JSONDecoder`
/// ignores the `Content-Type`, so a cross-site HTML form (`text/plain`, `application/x-www-form-urlencoded`)
/// could otherwise post a JSON-looking body. Anything else is 415 `unsupported_media_type`.
public struct JSONRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        guard JSONCoding.isJSON(request.headers.value(of: .contentType)) else {
            throw AppError(.unsupportedMediaType, "Send the body as JSON, with Content-Type: application/json.")
        }
        return try await JSONCoding.decoder.decode(type, from: request, context: context)
    }
}
