import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Storage
import Web

/// Builds the application around a shop: the router over the shop and the web settings, the HTTP server, the
/// start-up work (run in `beforeServerStarts`, so it is done before the first request) and the background services
/// (which wait for it). `serve` and the tests call this; the CLI commands that need no server build a ``Shop``.
func buildApplication(
    configuration: ApplianceConfiguration,
    shop: Shop,
    web: WebSettings,
    logger: Logger
) throws -> Application<StreamRouteWalk> {
    let scheme = configuration.tlsEnabled ? "https" : "http"
    var app = Application(
        router: buildResponder(shop, settings: web, logger: logger),
        server: try httpServer(configuration),
        configuration: .init(
            address: .hostname(configuration.httpHost, port: configuration.httpPort),
            serverName: "klelite"
        ),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.httpPort
            logger.notice("KLeLite is serving on \(scheme)://\(configuration.httpHost):\(port)")
        },
        logger: logger
    )
    let startup = StartupGate()
    app.beforeServerStarts {
        try await shop.prepare()
        startup.open()
    }
    app.addServices(shop.backgroundServices.map { AfterStartup(gate: startup, service: $0) as any Service })
    return app
}

/// Plain HTTP/1.1, or HTTP/1.1 over TLS when a certificate and key are configured. A connection idle between
/// requests for `HTTP_IDLE_TIMEOUT_SECONDS` is closed, so idle keep-alive sockets cannot pile up (an open live
/// stream is a request in progress and is not cut). Connections read into small receive buffers first (``SmallReceiveBuffers``).
private func httpServer(_ configuration: ApplianceConfiguration) throws -> HTTPServerBuilder {
    let http1 = http1Configuration(configuration)
    guard let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath else {
        return .http1(configuration: http1)
    }
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
    } catch {
        throw ConfigurationError.invalid(.tlsCert, value: certificatePath, source: "configuration", expected: "a readable PEM certificate file")
    }
    do {
        key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
    } catch {
        throw ConfigurationError.invalid(.tlsKey, value: keyPath, source: "configuration", expected: "a readable PEM private key file")
    }
    var tls = TLSConfiguration.makeServerConfiguration(
        certificateChain: chain.map { .certificate($0) },
        privateKey: .privateKey(key)
    )
    // How long a closing connection waits for the client's own close_notify (NIOSSL's default is 5 s): a stalled client
    // never sends one, and graceful shutdown closes every connection and waits for them.
    tls.shutdownTimeout = .seconds(1)
    return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
}

/// Each HTTP/1 connection's settings, over TLS or not: the idle timeout, the handler that starts its reads small, and the
/// one that writes a live stream from the connection's loop and ends it when its client has gone.
func http1Configuration(_ configuration: ApplianceConfiguration) -> HTTP1Channel.Configuration {
    HTTP1Channel.Configuration(
        additionalChannelHandlers: [SmallReceiveBuffers(), StreamConnection()],
        idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds))
    )
}
