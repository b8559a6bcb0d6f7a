import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Web

/// `TRUSTED_PROXIES` and `X-Forwarded-For`: the client's address is believed only from a trusted proxy.
@Suite struct ClientAddressTests {
    @Test func networksParseAndMatchIPv4AndIPv6() throws {
        let private10 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(private10.contains("10.200.3.4") && !private10.contains("11.0.0.1"))
        #expect(private10.contains("::ffff:10.1.2.3"))
        let host = try #require(IPNetwork("192.0.2.7"))
        #expect(host.contains("192.0.2.7") && !host.contains("192.0.2.8"))
        let unique = try #require(IPNetwork("fd00::/8"))
        #expect(unique.contains("fd12:3456::1") && !unique.contains("fe80::1") && !unique.contains("10.0.0.1"))
        #expect(IPNetwork("::1/128")?.contains("::1") == true)
        for bad in ["10.0.0.0/33", "300.1.1.1", "shop.example", "10.0.0.0/x", "", "fd00::/129"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    @Test func forwardedForIsReadFromTheRightPastTrustedProxiesOnly() throws {
        let middleware = ClientAddressMiddleware<AppRequestContext>(trustedProxies: [try #require(IPNetwork("10.0.0.0/8"))])
        // Behind two proxies of ours: the first address that is not ours is the client.
        #expect(middleware.clientAddress(peer: "10.0.0.2", forwardedFor: ["198.51.100.4, 203.0.113.9, 10.0.0.7"]) == "203.0.113.9")
        #expect(middleware.clientAddress(peer: "10.0.0.2", forwardedFor: ["198.51.100.4", "203.0.113.9"]) == "203.0.113.9")
        // From a peer we do not trust, the header is whatever the client wanted it to be: ignored.
        #expect(middleware.clientAddress(peer: "203.0.113.9", forwardedFor: ["10.0.0.1"]) == "203.0.113.9")
        // A trusted proxy that sent nothing readable: the proxy itself.
        #expect(middleware.clientAddress(peer: "10.0.0.2", forwardedFor: []) == "10.0.0.2")
        #expect(middleware.clientAddress(peer: "10.0.0.2", forwardedFor: ["not-an-address"]) == "10.0.0.2")
        #expect(middleware.clientAddress(peer: nil, forwardedFor: ["198.51.100.4"]) == nil)
        let none = ClientAddressMiddleware<AppRequestContext>(trustedProxies: [])
        #expect(none.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.4"]) == "127.0.0.1")
    }

    /// Over a real socket from 127.0.0.1, configured as a trusted proxy: sign-in attempts are counted per
    /// forwarded client, so one client's lock-out is not every client's.
    @Test func throttlingCountsTheForwardedClientBehindATrustedProxy() async throws {
        let shop = try ShopFixture(authRatePerMinute: 3) { $0.trustedProxies = ["127.0.0.0/8", "::1"].compactMap(IPNetwork.init) }
        try await shop.app.test(.live) { client in
            func login(from address: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/api/v1/auth/login",
                    method: .post,
                    headers: [.contentType: "application/json", .xForwardedFor: address],
                    body: ByteBuffer(string: #"{"email":"who@example.vn","password":"wrong2024"}"#)
                ).status
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await login(from: "198.51.100.4")) }
            statuses.append(try await login(from: "203.0.113.9"))
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .unauthorized])
        }
    }
}

/// The peer is kept as a socket address and formatted only when read: what routes and log lines see is unchanged. The
/// request's logger carries the client only while request logs are on; a line about the request gets it either way
/// (`requestLogger`).
@Suite struct PeerAddressTests {
    private func app(trustedProxies: [IPNetwork], logRequests: Bool = false) -> some ApplicationProtocol {
        let router = Router(context: AppRequestContext.self)
        router.add(
            middleware: RequestEdgeMiddleware(
                clientAddress: ClientAddressMiddleware(trustedProxies: trustedProxies),
                securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: false),
                logRequests: logRequests ? LogRequestsMiddleware(.debug) : nil,
                gate: RequestGateMiddleware(bodyLimit: BodyLimitMiddleware(limit: 64), staticFiles: nil)
            )
        )
        router.get("/who") { _, context -> String in
            let tagged = context.logger[metadataKey: "client"].map { "\($0)" } ?? "-"
            let line = context.requestLogger[metadataKey: "client"].map { "\($0)" } ?? "-"
            return "\(context.clientAddress ?? "-") \(context.remoteAddress ?? "-") \(tagged) \(line)"
        }
        return Application(router: router)
    }

    @Test func theClientIsThePeerWithoutTrustedProxies() async throws {
        try await app(trustedProxies: []).test(.live) { client in
            let response = try await client.execute(uri: "/who", method: .get, headers: [.xForwardedFor: "198.51.100.4"])
            #expect(String(buffer: response.body) == "127.0.0.1 127.0.0.1 - 127.0.0.1")
        }
    }

    @Test func theForwardedClientIsReadAndLoggedBehindATrustedProxy() async throws {
        try await app(trustedProxies: [try #require(IPNetwork("127.0.0.0/8"))]).test(.live) { client in
            let response = try await client.execute(uri: "/who", method: .get, headers: [.xForwardedFor: "198.51.100.4"])
            #expect(String(buffer: response.body) == "198.51.100.4 127.0.0.1 - 198.51.100.4")
        }
    }

    @Test func withRequestLogsEveryRequestsLoggerCarriesTheClient() async throws {
        try await app(trustedProxies: [], logRequests: true).test(.live) { client in
            let response = try await client.execute(uri: "/who", method: .get)
            #expect(String(buffer: response.body) == "127.0.0.1 127.0.0.1 127.0.0.1 127.0.0.1")
        }
        try await app(trustedProxies: [try #require(IPNetwork("127.0.0.0/8"))], logRequests: true).test(.live) { client in
            let response = try await client.execute(uri: "/who", method: .get, headers: [.xForwardedFor: "198.51.100.4"])
            #expect(String(buffer: response.body) == "198.51.100.4 127.0.0.1 198.51.100.4 198.51.100.4")
        }
    }

    /// A 500's log line names the client although the request's logger was not tagged with it.
    @Test func aFailedRequestsLogLineNamesItsClient() async throws {
        let lines = LineRecorder()
        let router = Router(context: AppRequestContext.self)
        router.add(
            middleware: RequestEdgeMiddleware(
                clientAddress: ClientAddressMiddleware(trustedProxies: []),
                securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: false),
                gate: RequestGateMiddleware(bodyLimit: BodyLimitMiddleware(limit: 64), staticFiles: nil)
            )
        )
        struct Broken: Error {}
        router.get("/broken") { _, _ -> String in throw Broken() }
        let logger = Logger(label: "test") { _ in LineRecorder.Handler(recorder: lines) }
        try await Application(router: router, logger: logger).test(.live) { client in
            let response = try await client.execute(uri: "/broken", method: .get)
            #expect(response.status == .internalServerError)
        }
        let failed = lines.lines.withLock { $0 }.filter { $0.message == "unhandled error" }
        #expect(failed.count == 1)
        #expect(failed.first?.metadata["client"] == "127.0.0.1")
        #expect(failed.first?.metadata["hb.request.id"] != nil)
    }

    /// The peer is read when the request's context is made: NIO forgets a channel's addresses once it closes, and a
    /// request whose client reset the connection mid-way must still be throttled under its own address, not the shared
    /// `unknown` key.
    @Test func thePeerIsKeptFromWhenTheRequestArrived() throws {
        let channel = EmbeddedChannel()
        let peer = try SocketAddress(ipAddress: "198.51.100.7", port: 40_000)
        channel.remoteAddress = peer
        let context = AppRequestContext(source: .init(channel: channel, logger: Logger(label: "test")))
        channel.remoteAddress = nil  // what NIO does when the connection closes
        #expect(context.peerAddress == peer)
        #expect(context.clientAddress == "198.51.100.7")
    }

    @Test func withoutAPeerThereIsNoClient() async throws {
        try await app(trustedProxies: []).test(.router) { client in
            let response = try await client.execute(uri: "/who", method: .get)
            #expect(String(buffer: response.body) == "- - - -")
        }
    }
}

/// Keeps every line written at `error` or above, with the logger's metadata merged under the line's.
private final class LineRecorder: Sendable {
    let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    struct Handler: LogHandler {
        let recorder: LineRecorder
        var logLevel: Logger.Level = .error
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.lines.withLock { $0.append((event.message.description, merged)) }
        }
    }
}
