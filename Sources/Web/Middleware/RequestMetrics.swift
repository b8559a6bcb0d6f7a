import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// The request metrics of Hummingbird's `MetricsMiddleware` — the same names, labels and dimensions
/// (`hb.requests`, `hb.request.errors`, `http.server.request.duration`, `http.server.active_requests`), so
/// `/metrics` reads as before — recorded without turning a response of bytes into a streamed one.
///
/// Hummingbird's middleware records after the body's last byte by wrapping *every* body in a closure. A body that
/// was a `ByteBuffer` then goes out as a stream: the head, the bytes and the end as three writes to the channel
/// (three event-loop hand-offs and three flushes) where Hummingbird writes a `ByteBuffer` body as one. So here a
/// response whose length is known (bytes, empty, or a file) is recorded when the route hands it back — the bytes
/// are ready then, and the count, status and route are the same — and only a streamed body (no length: the live
/// streams) is wrapped and recorded after its last byte, as before: its duration is the stream's life and it counts
/// as active until it ends.
struct RequestMetrics: Sendable {
    /// One request on its way: when it started, and the active-requests meter of its method (already raised).
    struct Started: Sendable {
        let nanoseconds: UInt64
        let active: Meter
    }

    private struct EndpointKey: Hashable {
        let endpoint: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    private struct EndpointMetrics: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter
    }

    private final class Registry: Sendable {
        let factory: (any MetricsFactory)?
        let active = Mutex<[HTTPRequest.Method: Meter]>([:])
        let endpoints = Mutex<[EndpointKey: EndpointMetrics]>([:])

        init(factory: (any MetricsFactory)?) {
            self.factory = factory
        }
    }

    private let registry: Registry

    /// - Parameter factory: where the metrics go; nil: the process's `MetricsSystem`, read when a metric is first made.
    init(factory: (any MetricsFactory)? = nil) {
        self.registry = Registry(factory: factory)
    }

    /// Counts `method`'s request as active and starts its clock.
    func start(_ method: HTTPRequest.Method) -> Started {
        let active = registry.active.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(
                label: "http.server.active_requests",
                dimensions: [("http.request.method", method.description)],
                factory: registry.factory ?? MetricsSystem.factory
            )
            meters[method] = meter
            return meter
        }
        active.increment()
        return Started(nanoseconds: DispatchTime.now().uptimeNanoseconds, active: active)
    }

    /// `response`, recorded now when its length is known, else with its body wrapped to record after the last byte.
    func finished(_ response: Response, _ started: Started, endpoint: String?, method: HTTPRequest.Method) -> Response {
        let metrics = endpointMetrics(EndpointKey(endpoint: endpoint ?? "Unknown", method: method, status: response.status))
        guard response.body.contentLength == nil else {
            record(metrics, started)
            return response
        }
        var response = response
        let body = response.body
        let once = RecordOnce { record(metrics, started) }
        response.body = ResponseBody { writer in
            defer { once.record() }
            try await body.write(writer)
        }
        return response
    }

    /// Records a streamed response exactly once: after its body's last byte, or — when the body never runs (the
    /// client left before the head was written, so Hummingbird drops the response unrun) — when it is freed, so the
    /// request is still counted and no longer active.
    private final class RecordOnce: Sendable {
        private let recorded = Atomic(false)
        private let recordMetrics: @Sendable () -> Void

        init(_ record: @escaping @Sendable () -> Void) {
            self.recordMetrics = record
        }

        func record() {
            guard !recorded.exchange(true, ordering: .acquiringAndReleasing) else { return }
            recordMetrics()
        }

        deinit { record() }
    }

    /// Records a request that ended with `error` instead of a response (counted as an error of its status).
    func failed(_ error: any Error, _ started: Started, endpoint: String?, method: HTTPRequest.Method) {
        let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
        let metrics = endpointMetrics(EndpointKey(endpoint: endpoint ?? "NotFound", method: method, status: status))
        metrics.requests.increment()
        metrics.errors.increment()
        started.active.decrement()
    }

    private func record(_ metrics: EndpointMetrics, _ started: Started) {
        metrics.requests.increment()
        metrics.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds &- started.nanoseconds)
        started.active.decrement()
    }

    private func endpointMetrics(_ key: EndpointKey) -> EndpointMetrics {
        registry.endpoints.withLock { endpoints in
            if let metrics = endpoints[key] { return metrics }
            let factory = registry.factory ?? MetricsSystem.factory
            let dimensions = [
                ("http.route", key.endpoint), ("http.request.method", key.method.description),
                ("http.response.status_code", key.status.code.description),
            ]
            let metrics = EndpointMetrics(
                requests: Counter(label: "hb.requests", dimensions: dimensions, factory: factory),
                duration: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory),
                errors: Counter(
                    label: "hb.request.errors",
                    dimensions: [
                        ("http.route", key.endpoint), ("http.request.method", key.method.description),
                        ("error.type", key.status.code.description),
                    ],
                    factory: factory
                )
            )
            endpoints[key] = metrics
            return metrics
        }
    }
}
