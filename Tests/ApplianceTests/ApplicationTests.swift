import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing
import Web

@testable import Appliance

/// The real shop and application over an in-memory database, a manual clock and the repository's static files.
func makeTestShop(flags: [String: String] = [:]) throws -> (shop: Shop, app: Application<StreamRouteWalk>) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var allFlags = ["STATIC_DIR": root.appendingPathComponent("static").path, "BCRYPT_COST": "4", "LOG_LEVEL": "warning"]
    allFlags.merge(flags) { $1 }
    let configuration = try ApplianceConfiguration.resolve(
        flags: allFlags,
        environment: [:],
        file: ConfigurationFile(path: "none", entries: [:])
    )
    let logger = Logger(label: "test")
    let shop = try Shop(
        configuration: configuration,
        database: try AppDatabase.inMemory(),
        clock: ManualClock(),
        paymentWebhookSecret: SecretStore.generate(),
        logger: logger
    )
    let web = WebSettings(configuration, accessTokenSecret: SecretStore.generate())
    return (shop, try buildApplication(configuration: configuration, shop: shop, web: web, logger: logger))
}

/// Builds the real application over an in-memory database, a manual clock and the repository's static files.
func makeTestApplication(flags: [String: String] = [:]) async throws -> some ApplicationProtocol {
    try makeTestShop(flags: flags).app
}

@Suite struct ApplicationTests {
    /// Start-up work runs in `beforeServerStarts`, not while the application is being built: building touches
    /// no data, and the daily jobs (points expiry, pruning) are scheduled on the `maintenance` queue when it starts.
    @Test func startupWorkRunsBeforeTheServerStartsOnTheMaintenanceQueue() async throws {
        let (shop, app) = try makeTestShop()
        let page = try PageRequest(page: 1, limit: 20)
        #expect(try await shop.jobs.list(status: nil, queue: nil, page: page).total == 0, "building the application schedules nothing")
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let maintenance = try await shop.jobs.list(status: nil, queue: JobQueue.maintenance, page: page).items
            #expect(Set(maintenance.map(\.kind)) == [PointsExpiryJob.kind, PruningJob.kind])
            #expect(try await shop.jobs.list(status: nil, queue: EmailJob.queue, page: page).total == 0)
        }
    }

    @Test func healthAndReadinessAnswer() async throws {
        try await makeTestApplication().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains(#""status":"ready""#))
        }
    }

    @Test func rootServesTheStorefrontPage() async throws {
        try await makeTestApplication().test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("KLeLite"))
            #expect(page.headers[.cacheControl] == "no-cache")
            let image = try await client.execute(uri: "/images/demo/croissant-bo-phap.svg", method: .get)
            #expect(image.status == .ok)
            #expect(image.headers[.cacheControl]?.contains("max-age=86400") == true)
            #expect(image.headers[.eTag] != nil)
        }
    }

    @Test func staticFilesCannotEscapeTheirFolder() async throws {
        try await makeTestApplication().test(.router) { client in
            for uri in ["/../Package.swift", "/%2e%2e/Package.swift", "/css/../../appliance.conf"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status != .ok, "\(uri) was served")
            }
        }
    }

    @Test func theApiContractIsServed() async throws {
        try await makeTestApplication().test(.router) { client in
            let spec = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(spec.status == .ok)
            #expect(String(buffer: spec.body).hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test func unknownApiRoutesGetTheErrorEnvelopeAndSecurityHeaders() async throws {
        try await makeTestApplication().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(response.status == .notFound)
            #expect(String(buffer: response.body).contains(#""code":"not_found""#))
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }

    /// HSTS on every response once shoppers arrive over https (`PUBLIC_URL`), and never over plain http, where a
    /// browser that remembered it could no longer reach the shop.
    @Test func strictTransportSecurityIsSentExactlyWhenTheShopIsServedOverHTTPS() async throws {
        try await makeTestApplication(flags: ["PUBLIC_URL": "https://shop.klelite.vn"]).test(.router) { client in
            for uri in ["/healthz", "/", "/api/v1/nothing-here"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.strictTransportSecurity] == "max-age=31536000; includeSubDomains", "\(uri)")
            }
        }
        try await makeTestApplication(flags: ["PUBLIC_URL": "http://shop.klelite.vn"]).test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test func oversizedBodiesAreRefusedWith413() async throws {
        try await makeTestApplication(flags: ["MAX_BODY_BYTES": "2048"]).test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/anything",
                method: .post,
                headers: [.contentLength: "4096"],
                body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 4096)
            )
            #expect(response.status == .contentTooLarge)
        }
    }
}
