import Foundation

/// The storefront's pages (every file under `static/`) and `openapi.yaml`, built into the binary by the
/// EmbedSitePlugin so that `klelite serve` serves them from any working directory. `STATIC_DIR` overrides
/// them during development.
public enum SiteFiles {
    /// Each file by its URL path (`/index.html`, `/css/site.css`), decoded once on first use.
    public static let pages: [String: Data] = Dictionary(
        encodedPages.map { ($0.0, Data(base64Encoded: $0.1) ?? Data()) },
        uniquingKeysWith: { first, _ in first }
    )

    /// The API contract, `openapi.yaml`.
    public static let openAPI: Data = Data(base64Encoded: encodedOpenAPI) ?? Data()
}
