import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Web

/// A live stream's route is walked in a child task of the connection's task (whose stack slabs it would otherwise keep
/// for the stream's whole life); every other request is walked in the connection's task itself.
@Suite struct StreamRouteWalkTests {
    /// The task that called the shop's responder (set by the probe around it; child tasks inherit it).
    @TaskLocal static var responderTask: Int?

    /// Notes the task that calls the responder it wraps.
    struct TaskProbe: HTTPResponder {
        let walk: StreamRouteWalk

        func respond(to request: Request, context: AppRequestContext) async throws -> Response {
            try await StreamRouteWalkTests.$responderTask.withValue(withUnsafeCurrentTask { $0?.hashValue }) {
                try await walk.respond(to: request, context: context)
            }
        }
    }

    private func app() -> some ApplicationProtocol {
        let (files, logger) = (FileManager.default.temporaryDirectory.path, Logger(label: "test"))
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            RequestEdgeMiddleware(
                clientAddress: ClientAddressMiddleware(trustedProxies: []),
                securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: false),
                gate: RequestGateMiddleware(
                    bodyLimit: BodyLimitMiddleware(limit: 64),
                    staticFiles: RequestGateMiddleware.staticFiles(FileMiddleware(files, logger: logger), FileMiddleware(files, logger: logger))
                )
            )
        }
        let answer: @Sendable (Request, AppRequestContext) async throws -> String = { _, _ in
            withUnsafeCurrentTask { $0?.hashValue } == Self.responderTask ? "same task" : "child task"
        }
        router.get("/api/v1/flash-sales/:id/stream", use: answer)
        router.get("/api/v1/notifications/stream", use: answer)
        router.get("/api/v1/products", use: answer)
        router.get("/api/v1/streams", use: answer)
        return Application(responder: TaskProbe(walk: StreamRouteWalk(router)))
    }

    @Test func onlyStreamRoutesAreWalkedInAChildTask() async throws {
        try await app().test(.router) { client in
            for (uri, expected) in [
                ("/api/v1/flash-sales/s1/stream", "child task"),
                ("/api/v1/notifications/stream?after=12", "child task"),
                ("/api/v1/notifications/stream//?after=12", "child task"),
                ("/api/v1/products", "same task"),
                ("/api/v1/products?q=stream", "same task"),
                ("/api/v1/streams", "same task"),
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == expected, "\(uri)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "the edge still adds its headers: \(uri)")
            }
        }
    }

    /// Cancelling the connection's task (the client went away mid-walk) cancels the walk.
    @Test(.timeLimit(.minutes(1))) func cancellingTheCallerCancelsTheWalk() async throws {
        let (entered, enteredSource) = AsyncStream<Void>.makeStream()
        let (never, neverSource) = AsyncStream<Void>.makeStream()
        let caller = Task {
            try await StreamRouteWalk.respondInChildTask {
                enteredSource.yield()
                // Ends only when cancelled: a walk that is not cancelled never returns, and the test never ends.
                for await _ in never {}
                try Task.checkCancellation()
                return Response(status: .ok)
            }
        }
        var iterator = entered.makeAsyncIterator()
        await iterator.next()
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        neverSource.finish()
    }
}
