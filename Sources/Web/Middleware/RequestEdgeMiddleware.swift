import Hummingbird

/// The outermost layer of the shop's router, in one frame: who the client is (``ClientAddressMiddleware``) on the way
/// in, the security headers and request id (``SecurityHeadersMiddleware``) on the way out.
///
/// One concrete middleware rather than two generic ones: Hummingbird calls router middleware through its generic
/// chain, so every layer costs an unspecialised call, a copy of the context and a closure per request.
struct RequestEdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let clientAddress: ClientAddressMiddleware<AppRequestContext>
    let securityHeaders: SecurityHeadersMiddleware<AppRequestContext>

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        clientAddress.identifyClient(of: request, in: &context)
        // A live stream keeps its connection's task (and every stack slab the task took) open: walk its route apart.
        var response =
            if StreamRouteWalk.opensStream(request) {
                try await StreamRouteWalk.respondInChildTask(to: request, context: context, next: next)
            } else {
                try await next(request, context)
            }
        securityHeaders.addHeaders(to: &response, requestID: context.id)
        return response
    }
}
