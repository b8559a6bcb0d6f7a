import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SiteFiles
import Testing

@testable import Appliance

/// With no `STATIC_DIR` the pages and the contract come from the binary, so `klelite serve` works from any directory.
@Suite struct EmbeddedSiteTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyFileUnderStaticIsBuiltIn() throws {
        let folder = root.appendingPathComponent("static").standardizedFileURL.path
        var onDisk: [String: Data] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: folder))
        for case let relative as String in walker where !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
            var isFolder: ObjCBool = false
            let path = folder + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                onDisk["/" + relative] = FileManager.default.contents(atPath: path)
            }
        }
        #expect(!onDisk.isEmpty)
        #expect(Set(SiteFiles.pages.keys) == Set(onDisk.keys))
        for (path, data) in onDisk { #expect(SiteFiles.pages[path] == data, "\(path) differs from the built-in copy") }
        #expect(SiteFiles.openAPI == FileManager.default.contents(atPath: root.appendingPathComponent("openapi.yaml").path))
    }

    @Test func withoutStaticDirThePagesAndTheContractAreServedFromTheBinary() async throws {
        try await makeTestApplication(flags: ["STATIC_DIR": ""]).test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(String(buffer: page.body).contains("KLeLite"))
            let css = try await client.execute(uri: "/css/site.css", method: .get)
            #expect(css.status == .ok && css.headers[.contentType]?.hasPrefix("text/css") == true)
            let image = try await client.execute(uri: "/images/demo/croissant-bo-phap.svg", method: .get)
            #expect(image.status == .ok && image.headers[.eTag] != nil)
            let spec = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(spec.status == .ok && String(buffer: spec.body).hasPrefix("openapi: 3.1.0"))
            for uri in ["/../Package.swift", "/%2e%2e/Package.swift", "/css/../../appliance.conf", "/nothing.html"] {
                #expect(try await client.execute(uri: uri, method: .get).status != .ok, "\(uri) was served")
            }
            let folder = try await client.execute(uri: "/css", method: .get)
            #expect(folder.status == .movedPermanently)
        }
    }

    /// A ranged request for a page gets the whole file, GET or HEAD, whatever the range: Hummingbird's `FileMiddleware`
    /// would answer a range past the end of the file with a negative `Content-Length` (on HEAD, or from disk).
    @Test func aRangedRequestForAPageGetsTheWholeFile() async throws {
        let css = try #require(SiteFiles.pages["/css/site.css"])
        try await makeTestApplication(flags: ["STATIC_DIR": ""]).test(.router) { client in
            for method in [HTTPRequest.Method.get, .head] {
                for range in ["bytes=0-", "bytes=5-9", "bytes=\(css.count + 100)-", "bytes=-5", "bytes=9-2", "items=0-1"] {
                    let answer = try await client.execute(uri: "/css/site.css", method: method, headers: [.range: range])
                    #expect(answer.status == .ok, "\(method) \(range)")
                    #expect(answer.headers[.contentLength] == String(css.count) && answer.headers[.contentRange] == nil, "\(method) \(range)")
                    #expect(Data(buffer: answer.body) == (method == .get ? css : Data()), "\(method) \(range)")
                }
            }
        }
    }
}
