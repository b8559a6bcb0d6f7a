import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import ServiceLifecycleTestKit
import Storage
import Synchronization
import Testing

@testable import Web

/// A context for calling ``BodyLimitMiddleware`` directly, outside a server.
private struct BareContext: AppRequestContextProtocol {
    struct Source: RequestContextSource {
        var logger: Logger
    }

    var coreContext: CoreRequestContextStorage
    var maxUploadSize = 64
    var peerAddress: SocketAddress? { nil }
    var channel: any Channel { EmbeddedChannel() }
    var remoteAddress: String? { nil }
    var clientAddress: String?
    var identity: Identity?
    /// What ends a body still arriving: each test's own (a server's context ends the connection's request parts with
    /// an error, ``StreamConnection/abandonBody(on:)``).
    var bodyCutoff: @Sendable () -> Void = {}

    init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// A request body that says when the reader is waiting for a chunk that has not come yet.
private struct WatchedBody: AsyncSequence, Sendable {
    let chunks: AsyncStream<ByteBuffer>
    let reads: AsyncStream<Void>.Continuation

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: AsyncStream<ByteBuffer>.AsyncIterator
        let reads: AsyncStream<Void>.Continuation

        mutating func next() async -> ByteBuffer? {
            reads.yield()
            return await chunks.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: chunks.makeAsyncIterator(), reads: reads) }
}

private let chunked: HTTPFields = [.transferEncoding: "chunked"]

/// A chunked upload to the cart sent in two halves, and what ``BodyLimitMiddleware`` answers it: the status of a next
/// handler that collects the whole body, or the middleware's error.
private struct HalfSentUpload {
    let request: Request
    let sender: AsyncStream<ByteBuffer>.Continuation
    let reads: AsyncStream<Void>

    init() {
        let (chunks, sender) = AsyncStream<ByteBuffer>.makeStream()
        let (reads, reader) = AsyncStream<Void>.makeStream()
        let head = HTTPRequest(method: .post, scheme: "http", authority: "shop", path: "/api/v1/cart/items", headerFields: chunked)
        request = Request(head: head, body: RequestBody(asyncSequence: WatchedBody(chunks: chunks, reads: reader)))
        self.sender = sender
        self.reads = reads
    }

    func answer() async -> Result<HTTPResponse.Status, AppError> {
        let middleware = BodyLimitMiddleware<BareContext>(limit: 4096, uploadLimit: 4096)
        var context = BareContext(source: .init(logger: Logger(label: "test")))
        // As the server's cutoff ends a connection's body: no more chunks.
        context.bodyCutoff = { [sender] in sender.finish() }
        do {
            let response = try await middleware.handle(request, context: context) { request, _ in
                var request = request
                let bytes = try await request.collectBody(upTo: 4096).readableBytes
                return Response(status: .ok, headers: [.contentLength: "\(bytes)"])
            }
            return .success(response.status)
        } catch let error as AppError {
            return .failure(error)
        } catch {
            Issue.record("unexpected \(error)")
            return .success(.internalServerError)
        }
    }

    /// Sends the first half; returns once the collection has read it and waits for the rest.
    func sendFirstHalf() async {
        sender.yield(ByteBuffer(string: "the first half of a picture"))
        var waiting = reads.makeAsyncIterator()
        _ = await waiting.next()  // read the first chunk…
        _ = await waiting.next()  // …and waits for the rest
    }

    func sendRest() {
        sender.yield(ByteBuffer(string: " and the rest"))
        sender.finish()
    }
}

@Suite struct BodyLimitTests {
    /// Before anyone is authenticated, no body is held beyond the default limit, upload route or not
    /// (200 anonymous 5 MiB uploads must not hold 1 GB while they wait for their 401).
    @Test func theGlobalCollectionStopsAtTheDefaultLimitOnUploadRoutesToo() async throws {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            ErrorMiddleware()
            BodyLimitMiddleware(limit: 64, uploadLimit: 4096)
        }
        // What a route sees when nothing after the global middleware raised the limit (an anonymous caller).
        router.post("/api/v1/products/:id/images") { request, context -> String in
            var request = request
            return "\(try await request.collectBody(upTo: context.maxUploadSize).readableBytes)"
        }
        try await Application(router: router).test(.router) { client in
            let body = ByteBuffer(repeating: 0x61, count: 200)
            let streamed = try await client.execute(uri: "/api/v1/products/x/images", method: .post, headers: chunked, body: body)
            #expect(streamed.status == .contentTooLarge)
            let declared = try await client.execute(
                uri: "/api/v1/products/x/images",
                method: .post,
                headers: [.contentLength: "5000"],
                body: ByteBuffer(repeating: 0x61, count: 5000)
            )
            #expect(declared.status == .contentTooLarge)  // over even the upload limit: refused before reading
        }
    }

    /// Which requests are picture uploads (left unread for their route group): the target's prefix answers first, and
    /// every target in any form answers as its path does.
    @Test func uploadsAreKnownByTheirPathInEveryFormOfTarget() {
        func isUpload(_ method: HTTPRequest.Method, _ target: String) -> Bool {
            let head = HTTPRequest(method: method, scheme: "http", authority: "shop", path: target)
            return BodyLimitMiddleware<AppRequestContext>.isUpload(Request(head: head, body: .init(buffer: ByteBuffer())))
        }
        #expect(isUpload(.post, "/api/v1/products/p1/images"))
        #expect(isUpload(.post, "/api/v1/products/p1/images?x=1"))
        #expect(isUpload(.post, "http://shop/api/v1/products/p1/images"))
        #expect(!isUpload(.get, "/api/v1/products/p1/images"))
        #expect(!isUpload(.post, "/api/v1/products/p1/reviews"))
        #expect(!isUpload(.post, "/api/v1/products?x=/images"))
        #expect(!isUpload(.post, "/api/v1/flash-sales/s1/reserve"))
        #expect(!isUpload(.post, "http://shop/api/v1/flash-sales/s1/images"))
        #expect(!isUpload(.post, "/api/v1/productsX/p1/images"))
    }

    /// The larger limit applies only after the route's own checks (here a stand-in for authentication).
    @Test func theUploadLimitAppliesOnlyBehindTheUploadGroup() async throws {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            ErrorMiddleware()
            BodyLimitMiddleware(limit: 64, uploadLimit: 4096)
        }
        router.group("/api/v1/products")
            .add(middleware: AdminOnly())
            .group(":id/images")
            .add(middleware: UploadBodyLimitMiddleware(limit: 4096))
            .post { request, context -> String in
                var request = request
                return "\(try await request.collectBody(upTo: context.maxUploadSize).readableBytes)"
            }
        try await Application(router: router).test(.router) { client in
            let picture = ByteBuffer(repeating: 0x61, count: 3000)
            let anonymous = try await client.execute(uri: "/api/v1/products/x/images", method: .post, headers: chunked, body: picture)
            #expect(anonymous.status == .unauthorized)
            var admin = chunked
            admin[.authorization] = "admin"
            let stored = try await client.execute(uri: "/api/v1/products/x/images", method: .post, headers: admin, body: picture)
            #expect(stored.status == .ok)
            #expect(String(buffer: stored.body) == "3000")
            let tooBig = ByteBuffer(repeating: 0x61, count: 5000)
            let refused = try await client.execute(uri: "/api/v1/products/x/images", method: .post, headers: admin, body: tooBig)
            #expect(refused.status == .contentTooLarge)
        }
    }

    /// A chunked body has no declared length to compare with: when the shutdown ends its collection early, the
    /// request is abandoned with 503 rather than handed on as if complete.
    @Test(.timeLimit(.minutes(1))) func aChunkedBodyCutShortByTheShutdownIsAbandoned() async throws {
        let upload = HalfSentUpload()
        let outcome = await testGracefulShutdown { trigger in
            async let answer = upload.answer()
            await upload.sendFirstHalf()
            trigger.triggerGracefulShutdown()
            return await answer
        }
        upload.sendRest()
        switch outcome {
        case .success(let status): Issue.record("the truncated body was handed on as complete: \(status)")
        case .failure(let error): #expect(error.code == .unavailable)
        }
    }

    /// The request's own cancellation (the service group's last resort at shutdown) reaches the collection: the body is
    /// abandoned with 503, even when the rest of it arrives after the cancel.
    @Test func aRequestCancelledWhileItsBodyArrivesIsAbandoned() async throws {
        let upload = HalfSentUpload()
        let answer = Task { await upload.answer() }
        await upload.sendFirstHalf()
        answer.cancel()
        upload.sendRest()
        switch await answer.value {
        case .success(let status): Issue.record("the body was handed on after the request was cancelled: \(status)")
        case .failure(let error): #expect(error.code == .unavailable)
        }
    }

    /// A body collected whole leaves the connection's read side alone and is handed on complete, even when the shutdown
    /// begins right after (its cutoff is pulled only while the body arrives).
    @Test func aWholeBodyIsHandedOnWithoutCuttingTheConnection() async throws {
        let pulls = Mutex(0)
        let head = HTTPRequest(method: .post, scheme: "http", authority: "shop", path: "/api/v1/cart/items", headerFields: chunked)
        let chunks = AsyncStream<ByteBuffer> { sender in
            sender.yield(ByteBuffer(string: "one "))
            sender.yield(ByteBuffer(string: "two"))
            sender.finish()
        }
        let request = Request(head: head, body: RequestBody(asyncSequence: chunks))
        var context = BareContext(source: .init(logger: Logger(label: "test")))
        context.bodyCutoff = { pulls.withLock { $0 += 1 } }
        let middleware = BodyLimitMiddleware<BareContext>(limit: 4096, uploadLimit: 4096)
        let response = try await testGracefulShutdown { trigger in
            try await middleware.handle(request, context: context) { request, _ in
                trigger.triggerGracefulShutdown()  // the body is in: the shutdown must not reach back for it
                var request = request
                let body = try await request.collectBody(upTo: 4096)
                return Response(status: .ok, headers: [.contentLength: "\(body.readableBytes)"], body: .init(byteBuffer: body))
            }
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentLength] == "7")
        #expect(pulls.withLock { $0 } == 0)
    }

    /// A body that ends before its declared `Content-Length` (the client went away) is never handed on as complete.
    @Test func aBodyShorterThanItsDeclaredLengthIsAbandoned() async throws {
        let (chunks, sender) = AsyncStream<ByteBuffer>.makeStream()
        sender.yield(ByteBuffer(string: "ten bytes!"))
        sender.finish()
        let head = HTTPRequest(method: .post, scheme: "http", authority: "shop", path: "/api/v1/cart/items", headerFields: [.contentLength: "100"])
        let request = Request(head: head, body: RequestBody(asyncSequence: chunks))
        let middleware = BodyLimitMiddleware<BareContext>(limit: 4096, uploadLimit: 4096)
        do {
            _ = try await middleware.handle(request, context: BareContext(source: .init(logger: Logger(label: "test")))) { _, _ in
                Response(status: .ok)
            }
            Issue.record("a body shorter than its Content-Length was handed on as complete")
        } catch let error as AppError {
            #expect(error.code == .unavailable)
        }
    }
}

/// Stands in for authentication plus ``RequireRoleMiddleware``: only `Authorization: admin` passes.
private struct AdminOnly: RouterMiddleware {
    func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.headers[.authorization] == "admin" else { throw AppError(.unauthorized, "Sign in to continue.") }
        return try await next(request, context)
    }
}
