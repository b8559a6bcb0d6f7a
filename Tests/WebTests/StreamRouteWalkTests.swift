import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Web

/// A live stream's route is walked in a child task of the connection's task (whose stack slabs it would otherwise keep
/// for the stream's whole life); every other request is walked in the connection's task itself.
@Suite struct StreamRouteWalkTests {
    /// The task that entered the router (set by the probe outside the edge; child tasks inherit it).
    @TaskLocal static var routerTask: Int?

    /// Notes the task that runs the layers below it.
    struct TaskProbe: RouterMiddleware {
        typealias Context = AppRequestContext

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            try await StreamRouteWalkTests.$routerTask.withValue(withUnsafeCurrentTask { $0?.hashValue }) {
                try await next(request, context)
            }
        }
    }

    private func app() -> some ApplicationProtocol {
        let (files, logger) = (FileManager.default.temporaryDirectory.path, Logger(label: "test"))
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            TaskProbe()
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
            withUnsafeCurrentTask { $0?.hashValue } == Self.routerTask ? "same task" : "child task"
        }
        router.get("/api/v1/flash-sales/:id/stream", use: answer)
        router.get("/api/v1/notifications/stream", use: answer)
        router.get("/api/v1/products", use: answer)
        router.get("/api/v1/streams", use: answer)
        return Application(router: router)
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
}
