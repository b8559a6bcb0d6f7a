import Hummingbird
import ServiceLifecycle

/// Every layer the shop's router puts in front of the routes, in one frame and in this order: who the client is
/// (``ClientAddressMiddleware``) and the request metrics (``RequestMetrics``) on the way in; the request log (at
/// `debug`) and CORS (with `CORS_ORIGINS`) when configured; then the gate (``RequestGateMiddleware``: errors, body
/// limit, CSRF, static files); and on the way out the security headers and request id (``SecurityHeadersMiddleware``),
/// and `Connection: close` once the server is shutting down.
///
/// One concrete middleware rather than a chain of generic ones: Hummingbird calls router middleware through its
/// generic chain, so every layer (an absent optional one too) costs an unspecialised call, a copy of the context and a
/// closure per request.
struct RequestEdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let clientAddress: ClientAddressMiddleware<AppRequestContext>
    let securityHeaders: SecurityHeadersMiddleware<AppRequestContext>
    let metrics: RequestMetrics
    let logRequests: LogRequestsMiddleware<AppRequestContext>?
    let allowedOrigins: AllowedOriginsMiddleware<AppRequestContext>?
    let gate: RequestGateMiddleware

    init(
        clientAddress: ClientAddressMiddleware<AppRequestContext>,
        securityHeaders: SecurityHeadersMiddleware<AppRequestContext>,
        metrics: RequestMetrics = RequestMetrics(),
        logRequests: LogRequestsMiddleware<AppRequestContext>? = nil,
        allowedOrigins: AllowedOriginsMiddleware<AppRequestContext>? = nil,
        gate: RequestGateMiddleware
    ) {
        self.clientAddress = clientAddress
        self.securityHeaders = securityHeaders
        self.metrics = metrics
        self.logRequests = logRequests
        self.allowedOrigins = allowedOrigins
        self.gate = gate
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        clientAddress.identifyClient(of: request, in: &context, taggingLogger: logRequests != nil)
        // Hummingbird formats the id on every read of `context.id`: once here, for the header and any error envelope.
        let requestID = context.id
        let started = metrics.start(request.method)
        var response: Response
        do {
            // Without request logs and CORS (the default), straight to the gate: each layer between is an async call.
            response =
                if logRequests == nil, allowedOrigins == nil {
                    try await gate.handle(request, context: context, requestID: requestID, next: next)
                } else {
                    try await logged(request, context: context, requestID: requestID, next: next)
                }
        } catch {
            metrics.failed(error, started, endpoint: context.endpointPath, method: request.method)
            throw error
        }
        response = metrics.finished(response, started, endpoint: context.endpointPath, method: request.method)
        securityHeaders.addHeaders(to: &response, requestID: requestID)
        // Once the server shuts down, Hummingbird closes each connection after the response it is writing: the response
        // says so, and a client sends its next request on a new connection (to the next instance) instead of on this one.
        if Task.isShuttingDownGracefully { response.headers[.connection] = "close" }
        return response
    }

    private func logged(
        _ request: Request,
        context: Context,
        requestID: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let logRequests else { return try await allowed(request, context: context, requestID: requestID, next: next) }
        return try await logRequests.handle(request, context: context) { request, context in
            try await allowed(request, context: context, requestID: requestID, next: next)
        }
    }

    private func allowed(
        _ request: Request,
        context: Context,
        requestID: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let allowedOrigins else { return try await gate.handle(request, context: context, requestID: requestID, next: next) }
        return try await allowedOrigins.handle(request, context: context) { request, context in
            try await gate.handle(request, context: context, requestID: requestID, next: next)
        }
    }
}
