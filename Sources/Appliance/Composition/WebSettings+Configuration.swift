import Foundation
import SiteFiles
import Web

extension WebSettings {
    /// The HTTP layer's settings as the configuration gives them. The pages and the contract are built into the
    /// binary; `STATIC_DIR` serves a folder instead (development).
    init(_ configuration: ApplianceConfiguration, accessTokenSecret: String, metricsText: @escaping @Sendable () -> String = { "" }) {
        let staticDirectory = configuration.staticDirectory
        self.init(
            accessTokenSecret: accessTokenSecret,
            metricsText: metricsText,
            staticDirectory: staticDirectory ?? "static",
            uploadsDirectory: configuration.uploadsDirectory,
            openAPIPath: staticDirectory.map { (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("openapi.yaml") }
                ?? "openapi.yaml",
            embeddedSite: staticDirectory == nil ? EmbeddedSite(files: SiteFiles.pages, openAPI: SiteFiles.openAPI) : nil,
            corsOrigins: configuration.corsOrigins,
            tlsEnabled: configuration.tlsEnabled,
            maxBodyBytes: configuration.maxBodyBytes,
            // Request logs only at LOG_LEVEL=debug or trace: at the default level a line per request costs the hot routes.
            logRequests: configuration.logLevel <= .debug,
            authRatePerMinute: configuration.authRatePerMinute,
            publicURL: configuration.publicURL,
            trustedProxies: configuration.trustedProxies,
            metricsToken: configuration.metricsToken,
            metricsOpen: configuration.listensOnLoopbackOnly,
            guestCartsPerHour: configuration.guestCartsPerHour,
            maxStreamsPerClient: configuration.streamsPerClient
        )
    }
}
