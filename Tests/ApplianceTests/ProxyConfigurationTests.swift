import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Appliance

/// `PUBLIC_URL`, `TRUSTED_PROXIES`, `METRICS_TOKEN` and `HTTP_HOST` reach the HTTP layer from the configuration.
@Suite struct ProxyConfigurationTests {
    let emptyFile = ConfigurationFile(path: "appliance.conf", entries: [:])

    @Test func trustedProxiesAreParsedAndBadOnesNameTheKey() throws {
        let configuration = try ApplianceConfiguration.resolve(
            flags: ["TRUSTED_PROXIES": "10.0.0.0/8, ::1"],
            environment: [:],
            file: emptyFile
        )
        #expect(configuration.trustedProxies.count == 2)
        #expect(configuration.trustedProxies.first?.contains("10.9.8.7") == true)
        #expect(try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: emptyFile).trustedProxies.isEmpty)
        #expect {
            try ApplianceConfiguration.resolve(flags: ["TRUSTED_PROXIES": "10.0.0.0/40"], environment: [:], file: emptyFile)
        } throws: { error in
            "\(error)".contains("TRUSTED_PROXIES")
        }
    }

    @Test func loopbackHostsLeaveMetricsOpenAndOthersDoNot() throws {
        for (host, open) in [("127.0.0.1", true), ("localhost", true), ("::1", true), ("0.0.0.0", false), ("192.168.1.5", false)] {
            let configuration = try ApplianceConfiguration.resolve(flags: ["HTTP_HOST": host], environment: [:], file: emptyFile)
            #expect(configuration.listensOnLoopbackOnly == open, "\(host)")
        }
    }

    @Test func anHTTPSPublicURLMakesCookiesSecureAndMetricsNeedTheTokenOffLoopback() async throws {
        let token = "scrape-token-0123456789"
        let app = try await makeTestApplication(flags: ["PUBLIC_URL": "https://shop.klelite.vn", "HTTP_HOST": "0.0.0.0", "METRICS_TOKEN": token])
        try await app.test(.router) { client in
            let register = try await client.execute(
                uri: "/api/v1/auth/register",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"lan@example.vn","password":"banhmi2024","name":"Lan"}"#)
            )
            #expect(register.status == .created)
            let cookies = register.headers[values: .setCookie]
            #expect(cookies.count == 3 && cookies.allSatisfy { $0.contains("; Secure") })
            #expect(register.headers[.strictTransportSecurity] != nil)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .ok)
        }
    }
}
