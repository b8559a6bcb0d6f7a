import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import Synchronization
import Testing

@testable import Web

/// The shop's one graph (``Shop``) and its real router, over an in-memory database, a manual clock, bcrypt at
/// cost 4, and an outbox in a temporary folder. The shop's services read as the fixture's own (`shop.catalog`).
@dynamicMemberLookup
struct ShopFixture {
    static let webhookSecret = String(repeating: "w", count: 48)

    let shop: Shop
    let clock: ManualClock
    let uploads: String
    let mailer: FileMailer
    let settings: WebSettings
    /// Issues tokens the router accepts (same secret and clock).
    let accessTokens: AccessTokens
    let app: Application<StreamRouteWalk>

    /// `onlinePayments: false` is the shop's default configuration (`PAYMENT_PROVIDER=none`).
    init(
        authRatePerMinute: Int = 10,
        tlsEnabled: Bool = false,
        onlinePayments: Bool = true,
        configure: (inout WebSettings) -> Void = { _ in }
    ) throws {
        let clock = ManualClock()
        self.clock = clock
        mailer = FileMailer(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path,
            from: "KLeLite <no-reply@klelite.vn>",
            clock: clock
        )
        uploads = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)").path
        shop = Shop(
            settings: ShopSettings(
                bcryptCost: 4,
                uploadsDirectory: uploads,
                flashSales: .init(reservationTTL: 300, reservePerMinute: 5),
                paymentWebhookSecret: Self.webhookSecret,
                emailConcurrency: 1,
                broadcastChunkSize: 7
            ),
            parts: .embedded(
                database: try AppDatabase.inMemory(),
                clock: clock,
                mailer: mailer,
                paymentProvider: onlinePayments ? SimulatedPaymentProvider(publicBaseURL: "http://127.0.0.1:8080") : nil
            ),
            logger: Logger(label: "test")
        )
        var settings = WebSettings(
            accessTokenSecret: String(repeating: "k", count: 48),
            staticDirectory: "/nonexistent",
            uploadsDirectory: uploads,
            tlsEnabled: tlsEnabled,
            logRequests: false,
            authRatePerMinute: authRatePerMinute
        )
        configure(&settings)
        self.settings = settings
        accessTokens = AccessTokens(secret: settings.accessTokenSecret, clock: clock)
        // Every connection watches for its client going away, as the appliance's server does (`http1Configuration`).
        app = Application(
            router: buildResponder(shop, settings: settings, logger: Logger(label: "test")),
            server: .http1(configuration: .init(additionalChannelHandlers: [StreamConnection()]))
        )
    }

    subscript<Value>(dynamicMember keyPath: KeyPath<Shop, Value>) -> Value {
        shop[keyPath: keyPath]
    }

    /// A second router over this shop's parts, for inspecting its routes.
    func makeRouter() -> Router<AppRequestContext> {
        buildRouter(shop, settings: settings, logger: Logger(label: "test"))
    }

    /// Runs the queued email jobs and returns the outbox's messages, oldest first.
    func deliveredMail() async throws -> [String] {
        try await shop.workers.drain(queue: EmailJob.queue)
        return try mailer.deliveredMessages()
    }

    /// An admin account created the way the CLI does it.
    func createAdmin(email: String = "boss@klelite.vn", password: String = "bakery2024") async throws {
        _ = try await shop.accounts.createAdmin(email: email, password: password)
    }
}

/// A cookie-keeping client over the test router, like a browser: it stores `Set-Cookie` answers,
/// sends the cookies back, and echoes the CSRF cookie in `X-CSRF-Token` unless told not to.
final class Browser: Sendable {
    let client: any TestClientProtocol
    private let jar = Mutex<[String: String]>([:])
    /// Every response seen, for checks over all of them.
    private let seen = Mutex<[String]>([])

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    var cookies: [String: String] { jar.withLock { $0 } }
    var transcript: [String] { seen.withLock { $0 } }

    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        json: String? = nil,
        csrf: Bool = true,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        let cookies = self.cookies
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if csrf, let token = cookies[SessionCookies.csrf] { headers[HTTPField.Name("X-CSRF-Token")!] = token }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        remember(response)
        return response
    }

    private func remember(_ response: TestResponse) {
        let setCookies = response.headers[values: .setCookie]
        jar.withLock { jar in
            for header in setCookies {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0])
                let value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || header.contains("Max-Age=0") { jar[name] = nil } else { jar[name] = value }
            }
        }
        let headerText = response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        seen.withLock { $0.append(headerText + "\n\n" + String(buffer: response.body)) }
    }

    func register(_ email: String = "lan@example.vn", password: String = "banhmi2024") async throws -> TestResponse {
        try await send(.post, "/api/v1/auth/register", json: #"{"email":"\#(email)","password":"\#(password)","name":"Lan"}"#)
    }

    func login(_ email: String, _ password: String) async throws -> TestResponse {
        try await send(.post, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
    }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    var errorCode: String? {
        ((try? json())?["error"] as? [String: Any])?["code"] as? String
    }

    /// The `Set-Cookie` header for one cookie name.
    func setCookie(_ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }
}
