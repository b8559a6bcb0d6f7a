import Foundation
import Hummingbird
import Testing

@testable import Web

/// The server and `openapi.yaml` are checked against each other: every route the router serves is
/// documented, and every documented operation is served.
@Suite struct OpenAPIContractTests {
    static let specPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml").path

    /// `METHOD /path` for each operation under `paths:` (path keys at two spaces, methods at four).
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOfFile: specPath, encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let currentPath {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) {
                    operations.insert("\(key.uppercased()) \(currentPath)")
                }
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsServed() throws {
        let router = try ShopFixture().makeRouter()
        let served = Set(
            router.routes
                .filter { [.get, .post, .put, .patch, .delete].contains($0.method) }
                .map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" }
        )
        let documented = try Self.documentedOperations()
        #expect(documented.count >= 13)
        #expect(served.subtracting(documented).sorted() == [], "served but not in openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in openapi.yaml but not served")
    }
}
