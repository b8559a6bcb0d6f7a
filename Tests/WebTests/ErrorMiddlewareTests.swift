import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import Web

/// A tiny application with routes that fail in each way the shop can fail.
private func failingApp() -> some ApplicationProtocol {
    struct Boom: Error { let secret = "internal detail /etc/passwd" }
    struct Echo: Decodable { let name: String }
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        SecurityHeadersMiddleware(strictTransportSecurity: false)
        AllowedOriginsMiddleware(origins: ["https://shop.example"])
        ErrorMiddleware()
        BodyLimitMiddleware(limit: 64)
    }
    router.get("/sold-out") { _, _ -> String in throw AppError(.soldOut, "Sold out.") }
    router.get("/slow-down") { _, _ -> String in throw AppError(.rateLimited, "Slow down.", retryAfter: 42) }
    router.get("/invalid") { _, _ -> String in throw AppError.validation("Bad.", fields: ["email": "is required"]) }
    router.get("/boom") { _, _ -> String in throw Boom() }
    router.get("/redis-down") { _, _ -> String in throw RedisError.unavailable }
    router.post("/echo") { request, context -> String in try await request.decode(as: Echo.self, context: context).name }
    return Application(router: router)
}

private func envelope(_ response: TestResponse) throws -> ErrorEnvelope {
    try JSONDecoder().decode(ErrorEnvelope.self, from: Data(buffer: response.body))
}

@Suite struct ErrorMiddlewareTests {
    /// Cluster mode with Redis unreachable: a 503 the client can retry, never a 500 and never a local fallback.
    @Test func redisBeingUnreachableIsA503StockUnavailableWithRetryAfter() async throws {
        try await failingApp().test(.router) { client in
            let response = try await client.execute(uri: "/redis-down", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "2")
            #expect(try envelope(response).error.code == "stock_unavailable")
        }
    }

    @Test func domainErrorsKeepTheirCodeAndGetTheirStatus() async throws {
        try await failingApp().test(.router) { client in
            let soldOut = try await client.execute(uri: "/sold-out", method: .get)
            #expect(soldOut.status == .conflict)
            #expect(try envelope(soldOut).error.code == "sold_out")

            let limited = try await client.execute(uri: "/slow-down", method: .get)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "42")

            let invalid = try await client.execute(uri: "/invalid", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(try envelope(invalid).error.fields == ["email": "is required"])
        }
    }

    @Test func unexpectedErrorsAre500WithoutInternals() async throws {
        try await failingApp().test(.router) { client in
            let response = try await client.execute(uri: "/boom", method: .get)
            #expect(response.status == .internalServerError)
            let body = String(buffer: response.body)
            #expect(!body.contains("passwd"))
            #expect(!body.contains("Boom"))
            let error = try envelope(response).error
            #expect(error.code == "internal_error")
            #expect(error.requestId == response.headers[.xRequestID])
        }
    }

    @Test func unknownRoutesAre404Envelopes() async throws {
        try await failingApp().test(.router) { client in
            let response = try await client.execute(uri: "/nope", method: .get)
            #expect(response.status == .notFound)
            #expect(try envelope(response).error.code == "not_found")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func malformedAndWrongTypedJSONIs400() async throws {
        try await failingApp().test(.router) { client in
            for body in ["{not json", #"{"name": 12}"#, "{}"] {
                let response = try await client.execute(
                    uri: "/echo",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest, "body \(body)")
                #expect(try envelope(response).error.code == "validation_failed")
            }
        }
    }

    @Test func oversizedBodiesAre413WhetherDeclaredOrStreamed() async throws {
        try await failingApp().test(.router) { client in
            let big = String(repeating: "x", count: 200)
            let declared = try await client.execute(
                uri: "/echo",
                method: .post,
                headers: [.contentLength: "200"],
                body: ByteBuffer(string: #"{"name":"\#(big)"}"#)
            )
            #expect(declared.status == .contentTooLarge)
            #expect(try envelope(declared).error.code == "payload_too_large")
        }
        try await failingApp().test(.live) { client in
            let big = String(repeating: "x", count: 200)
            let streamed = try await client.execute(
                uri: "/echo",
                method: .post,
                headers: [.transferEncoding: "chunked"],
                body: ByteBuffer(string: #"{"name":"\#(big)"}"#)
            )
            #expect(streamed.status == .contentTooLarge)
        }
    }

    @Test func everyResponseCarriesSecurityHeaders() async throws {
        try await failingApp().test(.router) { client in
            for uri in ["/nope", "/boom", "/sold-out"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.xFrameOptions] == "DENY")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(response.headers[.strictTransportSecurity] == nil)
                #expect(response.headers[.xRequestID]?.isEmpty == false)
            }
        }
    }

    @Test func corsAnswersOnlyConfiguredOrigins() async throws {
        try await failingApp().test(.router) { client in
            let allowed = try await client.execute(uri: "/sold-out", method: .get, headers: [.origin: "https://shop.example"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(allowed.headers[.accessControlAllowCredentials] == "true")
            let other = try await client.execute(uri: "/sold-out", method: .get, headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
