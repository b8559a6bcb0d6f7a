import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Appliance

/// The files browsers and crawlers ask every site for: no 404 in any page's console.
@Suite struct ShopIconsTests {
    @Test func faviconTouchIconAndRobotsAreServed() async throws {
        try await makeTestApplication().test(.router) { client in
            for (path, type) in [
                ("/favicon.ico", "image/"), ("/favicon.svg", "image/svg+xml"), ("/apple-touch-icon.png", "image/png"), ("/robots.txt", "text/plain"),
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(path): \(response.headers[.contentType] ?? "no type")")
                #expect(response.body.readableBytes > 0, "\(path)")
            }
            let robots = try await client.execute(uri: "/robots.txt", method: .get)
            #expect(String(buffer: robots.body).contains("Disallow: /admin/"))
        }
    }
}
