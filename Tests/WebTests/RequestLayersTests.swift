import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycleTestKit
import Storage
import Testing

@testable import Web

/// The shop's router layers as `buildRouter` composes them: the edge (client address, metrics, security headers)
/// and the gate (errors, body limit, CSRF, static files), over a folder of static files and a few routes.
private func layeredApp(files: String) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    let uploads = FileMiddleware<AppRequestContext, LocalFileSystem>(files, urlBasePath: "/uploads", logger: Logger(label: "test"))
    router.add(
        middleware: RequestEdgeMiddleware(
            clientAddress: ClientAddressMiddleware(trustedProxies: []),
            securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: false),
            gate: RequestGateMiddleware(
                bodyLimit: BodyLimitMiddleware(limit: 64),
                staticFiles: RequestGateMiddleware.staticFiles(FileMiddleware(files, logger: Logger(label: "test")), uploads)
            )
        )
    )
    router.get("/page.txt") { _, _ -> String in throw HTTPError(.notFound) }
    router.get("/gone.txt") { _, _ -> String in throw AppError(.notFound, "No such product.") }
    router.get("/hello") { _, _ in "hello" }
    router.get("/broken") { _, _ -> String in throw CocoaError(.fileReadCorruptFile) }
    router.post("/echo") { request, _ -> String in String(buffer: try await request.body.collect(upTo: 64)) }
    return Application(router: router)
}

private func envelope(_ response: TestResponse) throws -> ErrorEnvelope {
    try JSONDecoder().decode(ErrorEnvelope.self, from: Data(buffer: response.body))
}

private func withFiles(_ body: (String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("uploads"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data("a page".utf8).write(to: folder.appendingPathComponent("page.txt"))
    try Data("not for a route".utf8).write(to: folder.appendingPathComponent("gone.txt"))
    try Data("a picture".utf8).write(to: folder.appendingPathComponent("uploads/cake.txt"))
    try await body(folder.path)
}

@Suite struct RequestLayersTests {
    /// The file lookup runs only for a 404 the routes threw as an HTTP error, as the nested `FileMiddleware`s did:
    /// a route's own `not_found` (a domain error) stays the API's answer even when a file has that path.
    @Test func staticFilesAnswerOnlyAnHTTPNotFound() async throws {
        try await withFiles { files in
            try await layeredApp(files: files).test(.router) { client in
                let page = try await client.execute(uri: "/page.txt", method: .get)
                #expect(page.status == .ok)
                #expect(String(buffer: page.body) == "a page")
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[.xRequestID] != nil)

                let picture = try await client.execute(uri: "/uploads/cake.txt", method: .get)
                #expect(String(buffer: picture.body) == "a picture")

                let gone = try await client.execute(uri: "/gone.txt", method: .get)
                #expect(gone.status == .notFound)
                #expect(try envelope(gone).error.message == "No such product.")

                let missing = try await client.execute(uri: "/uploads/none.png", method: .get)
                #expect(missing.status == .notFound)
                #expect(try envelope(missing).error.code == "not_found")
                #expect(try envelope(missing).error.requestId == missing.headers[.xRequestID])
                #expect(missing.headers[.contentSecurityPolicy] != nil)
            }
        }
    }

    /// An error that is not ours (a 500) is answered with the envelope quoting the request id — in its `requestId` and in its
    /// message — that the `X-Request-Id` header carries: the edge formats the id once and hands it to both.
    @Test func anUnexpectedErrorQuotesTheRequestIDOfItsHeader() async throws {
        try await withFiles { files in
            try await layeredApp(files: files).test(.router) { client in
                let broken = try await client.execute(uri: "/broken", method: .get)
                #expect(broken.status == .internalServerError)
                let id = try #require(broken.headers[.xRequestID])
                #expect(try envelope(broken).error.requestId == id)
                #expect(try envelope(broken).error.message == "Something went wrong on our side. Quote request id \(id) if it persists.")
                let other = try await client.execute(uri: "/broken", method: .get)
                #expect(other.headers[.xRequestID] != id)
                #expect(try envelope(other).error.requestId == other.headers[.xRequestID])
            }
        }
    }

    /// Every answer written once the server is shutting down says `Connection: close` (Hummingbird closes the connection
    /// after it): a client does not send its next request on a connection about to close. Not before the shutdown.
    @Test func answersDuringTheShutdownCloseTheirConnection() async throws {
        try await withFiles { files in
            try await testGracefulShutdown { trigger in
                try await layeredApp(files: files).test(.router) { client in
                    let before = try await client.execute(uri: "/hello", method: .get)
                    #expect(before.headers[.connection] == nil)
                    trigger.triggerGracefulShutdown()
                    let hello = try await client.execute(uri: "/hello", method: .get)
                    #expect(String(buffer: hello.body) == "hello")
                    #expect(hello.headers[.connection] == "close")
                    let refused = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: String(repeating: "x", count: 65)))
                    #expect(refused.status == .contentTooLarge)
                    #expect(refused.headers[.connection] == "close")
                }
            }
        }
    }

    /// The gate's own refusals (body limit, CSRF) become envelopes, and the edge still adds its headers to them.
    @Test func gateRefusalsAreEnvelopesWithSecurityHeaders() async throws {
        try await withFiles { files in
            try await layeredApp(files: files).test(.router) { client in
                let tooLarge = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: String(repeating: "x", count: 65)))
                #expect(tooLarge.status == .contentTooLarge)
                #expect(try envelope(tooLarge).error.code == "payload_too_large")
                #expect(tooLarge.headers[.xFrameOptions] == "DENY")

                let forged = try await client.execute(
                    uri: "/echo",
                    method: .post,
                    headers: [.cookie: "\(SessionCookies.access)=abc"],
                    body: ByteBuffer(string: "hi")
                )
                #expect(forged.status == .forbidden)
                #expect(try envelope(forged).error.code == "forbidden")
                #expect(forged.headers[.xRequestID] == (try envelope(forged).error.requestId))

                let echoed = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "hi"))
                #expect(String(buffer: echoed.body) == "hi")
                let hello = try await client.execute(uri: "/hello", method: .get)
                #expect(String(buffer: hello.body) == "hello")
                #expect(hello.headers[.referrerPolicy] == "strict-origin-when-cross-origin")
            }
        }
    }
}
