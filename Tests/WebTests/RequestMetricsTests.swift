import HTTPTypes
import Hummingbird
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
}
