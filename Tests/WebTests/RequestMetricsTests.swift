import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsTestKit
import Testing

@testable import HummingbirdCore
@testable import Web

/// Takes a response body the way the server's writer would, and drops it.
private struct DiscardingWriter: ResponseBodyWriter {
    mutating func write(_ buffer: ByteBuffer) async throws {}

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

private func dimensions(_ route: String, _ status: String) -> [(String, String)] {
    [("http.route", route), ("http.request.method", "GET"), ("http.response.status_code", status)]
}

@Suite struct RequestMetricsTests {
    /// A response of bytes is recorded when the route hands it back and keeps its `ByteBuffer` body: wrapped in a
    /// recording closure, Hummingbird would write it as three channel writes instead of one.
    @Test func aResponseOfBytesIsRecordedAtOnceAndStaysBytes() async throws {
        let recorded = TestMetrics()
        let metrics = RequestMetrics(factory: recorded)
        let started = metrics.start(.get)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 1)

        let bytes = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "hello")))
        let response = metrics.finished(bytes, started, endpoint: "/hello", method: .get)
        guard case .byteBuffer(let body) = response.body._backing else {
            Issue.record("the body is no longer a ByteBuffer")
            return
        }
        #expect(String(buffer: body) == "hello")
        #expect(try recorded.expectCounter("hb.requests", dimensions("/hello", "200")).totalValue == 1)
        #expect(try recorded.expectTimer("http.server.request.duration", dimensions("/hello", "200")).values.count == 1)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 0)
        #expect(recorded.counters(label: "hb.request.errors").map(\.totalValue) == [0])
    }

    /// A streamed body (no length: a live stream) is recorded after its last byte, and is active until then.
    @Test func aStreamIsRecordedAfterItsLastByte() async throws {
        let recorded = TestMetrics()
        let metrics = RequestMetrics(factory: recorded)
        let started = metrics.start(.get)
        let stream = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "data: 1\n\n"))
            try await writer.finish(nil)
        }
        let response = metrics.finished(Response(status: .ok, body: stream), started, endpoint: "/stream", method: .get)
        #expect(recorded.counterTotal(label: "hb.requests") == 0)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 1)

        try await response.body.write(DiscardingWriter())
        #expect(try recorded.expectCounter("hb.requests", dimensions("/stream", "200")).totalValue == 1)
        #expect(try recorded.expectTimer("http.server.request.duration", dimensions("/stream", "200")).values.count == 1)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 0)
    }

    /// A stream whose body never runs (the client left before its head was written) is still counted, once, and is no
    /// longer active once the response is dropped.
    @Test func aStreamDroppedUnrunIsRecordedOnce() throws {
        let recorded = TestMetrics()
        let metrics = RequestMetrics(factory: recorded)
        do {
            let stream = ResponseBody { writer in try await writer.finish(nil) }
            let response = metrics.finished(Response(status: .ok, body: stream), metrics.start(.get), endpoint: "/stream", method: .get)
            #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 1)
            withExtendedLifetime(response) {}
        }
        #expect(try recorded.expectCounter("hb.requests", dimensions("/stream", "200")).totalValue == 1)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 0)
    }

    /// A request that ends in an error rather than a response counts as a request and an error of its status.
    @Test func aFailedRequestCountsAsAnErrorOfItsStatus() throws {
        let recorded = TestMetrics()
        let metrics = RequestMetrics(factory: recorded)
        metrics.failed(HTTPError(.notFound), metrics.start(.get), endpoint: nil, method: .get)
        #expect(try recorded.expectCounter("hb.requests", dimensions("NotFound", "404")).totalValue == 1)
        let errors = [("http.route", "NotFound"), ("http.request.method", "GET"), ("error.type", "404")]
        #expect(try recorded.expectCounter("hb.request.errors", errors).totalValue == 1)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 0)
    }

    /// Through the router's edge: every request is recorded with its route (also a stream's, walked in a child task),
    /// its status, and is no longer active once answered; a path no route has is recorded as `NotFound`.
    @Test func theEdgeRecordsEveryRequestWithItsRoute() async throws {
        let recorded = TestMetrics()
        let (files, logger) = (FileManager.default.temporaryDirectory.path, Logger(label: "test"))
        let router = Router(context: AppRequestContext.self)
        router.add(
            middleware: RequestEdgeMiddleware(
                clientAddress: ClientAddressMiddleware(trustedProxies: []),
                securityHeaders: SecurityHeadersMiddleware(strictTransportSecurity: false),
                metrics: RequestMetrics(factory: recorded),
                gate: RequestGateMiddleware(
                    bodyLimit: BodyLimitMiddleware(limit: 64),
                    staticFiles: RequestGateMiddleware.staticFiles(FileMiddleware(files, logger: logger), FileMiddleware(files, logger: logger))
                )
            )
        )
        router.get("/api/v1/things/:id") { _, _ in "thing" }
        router.get("/api/v1/things/:id/stream") { _, _ in
            Response(
                status: .ok,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "data: 1\n\n"))
                    try await writer.finish(nil)
                }
            )
        }
        router.get("/api/v1/conflict") { _, _ -> String in throw HTTPError(.conflict) }
        try await Application(router: router).test(.router) { client in
            for (uri, status) in [
                ("/api/v1/things/1", HTTPResponse.Status.ok), ("/api/v1/things/2", .ok), ("/api/v1/things/1/stream", .ok),
                ("/api/v1/conflict", .conflict), ("/api/v1/nothing", .notFound),
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == status, "\(uri)")
            }
        }
        #expect(try recorded.expectCounter("hb.requests", dimensions("/api/v1/things/{id}", "200")).totalValue == 2)
        #expect(try recorded.expectCounter("hb.requests", dimensions("/api/v1/things/{id}/stream", "200")).totalValue == 1)
        #expect(try recorded.expectTimer("http.server.request.duration", dimensions("/api/v1/things/{id}/stream", "200")).values.count == 1)
        #expect(try recorded.expectCounter("hb.requests", dimensions("/api/v1/conflict", "409")).totalValue == 1)
        #expect(try recorded.expectCounter("hb.requests", dimensions("NotFound", "404")).totalValue == 1)
        #expect(try recorded.expectMeter("http.server.active_requests", [("http.request.method", "GET")]).lastValue == 0)
    }
}
