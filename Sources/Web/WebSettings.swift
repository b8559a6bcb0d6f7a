import Foundation
import Hummingbird

/// HTTP-level settings derived from the appliance configuration.
public struct WebSettings: Sendable {
    /// Signs and verifies the access tokens (JWT): at least 32 bytes.
    public var accessTokenSecret: String
    /// Renders the Prometheus exposition for `GET /metrics`.
    public var metricsText: @Sendable () -> String
    /// Folder of the storefront's HTML, CSS, ES modules and images (used when `embeddedSite` is nil).
    public var staticDirectory: String
    /// Folder of uploaded product pictures, served under `/uploads/`.
    public var uploadsDirectory: String
    /// Path of `openapi.yaml`, served at `/api/v1/openapi.yaml` (used when `embeddedSite` is nil).
    public var openAPIPath: String
    /// The pages and the contract built into the binary; when set, served instead of the two paths above.
    public var embeddedSite: EmbeddedSite?
    /// Origins allowed to call the API from a browser on another site; empty means same-origin only.
    public var corsOrigins: [String]
    /// Whether the server terminates TLS itself (turns on HSTS and `Secure` cookies).
    public var tlsEnabled: Bool
    /// Largest request body accepted by ordinary API routes.
    public var maxBodyBytes: Int
    /// Whether each request is logged (at debug level; the appliance turns it on only for `LOG_LEVEL=debug` or `trace`).
    public var logRequests: Bool
    /// Attempts per minute, per IP and per account, on login, register and password reset.
    public var authRatePerMinute: Int
    /// Seconds of quiet after which a live stream sends a `: ping` comment.
    public var streamHeartbeat: TimeInterval
    /// `PUBLIC_URL`: the address shoppers reach the shop at. An `https` one turns on `Secure` cookies and
    /// HSTS (TLS ends at a proxy in front), and its origin may post to sign-in and register.
    public var publicURL: String?
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client.
    public var trustedProxies: [IPNetwork]
    /// `METRICS_TOKEN`: a Bearer token that may read `/metrics`.
    public var metricsToken: String?
    /// Whether anyone may read `/metrics` (the server listens on loopback only, so "anyone" is this machine).
    public var metricsOpen: Bool
    /// New guest carts one client address may start per hour.
    public var guestCartsPerHour: Int
    /// Live streams (SSE) one client address may hold open at once.
    public var maxStreamsPerClient: Int

    public init(
        accessTokenSecret: String,
        metricsText: @escaping @Sendable () -> String = { "" },
        staticDirectory: String = "static",
        uploadsDirectory: String = "data/uploads",
        openAPIPath: String = "openapi.yaml",
        embeddedSite: EmbeddedSite? = nil,
        corsOrigins: [String] = [],
        tlsEnabled: Bool = false,
        maxBodyBytes: Int = BodyLimitMiddleware<AppRequestContext>.defaultLimit,
        logRequests: Bool = true,
        authRatePerMinute: Int = 10,
        streamHeartbeat: TimeInterval = 15,
        publicURL: String? = nil,
        trustedProxies: [IPNetwork] = [],
        metricsToken: String? = nil,
        metricsOpen: Bool = true,
        guestCartsPerHour: Int = 30,
        maxStreamsPerClient: Int = 16
    ) {
        self.accessTokenSecret = accessTokenSecret
        self.metricsText = metricsText
        self.staticDirectory = staticDirectory
        self.uploadsDirectory = uploadsDirectory
        self.openAPIPath = openAPIPath
        self.embeddedSite = embeddedSite
        self.corsOrigins = corsOrigins
        self.tlsEnabled = tlsEnabled
        self.maxBodyBytes = maxBodyBytes
        self.logRequests = logRequests
        self.authRatePerMinute = authRatePerMinute
        self.streamHeartbeat = streamHeartbeat
        self.maxStreamsPerClient = maxStreamsPerClient
        self.publicURL = publicURL
        self.trustedProxies = trustedProxies
        self.metricsToken = metricsToken
        self.metricsOpen = metricsOpen
        self.guestCartsPerHour = guestCartsPerHour
    }

    /// `Secure` cookies and HSTS: when the server speaks TLS itself, or shoppers reach it over https.
    public var secureTransport: Bool {
        tlsEnabled || publicURL?.lowercased().hasPrefix("https://") == true
    }

    /// The origins that are the shop's own: `PUBLIC_URL`'s and `CORS_ORIGINS`.
    var ownOrigins: Set<String> {
        var origins = Set(corsOrigins.map { $0.lowercased() })
        if let publicURL, let origin = Self.origin(of: publicURL) { origins.insert(origin) }
        return origins
    }

    /// `scheme://host[:port]` of a URL, lowercased; nil when it has no scheme or host.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host, !host.isEmpty
        else { return nil }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)".lowercased()
    }
}
