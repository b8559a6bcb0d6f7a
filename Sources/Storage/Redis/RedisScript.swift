import Crypto
import Foundation

/// A Lua script sent by its SHA-1 (`EVALSHA`); the client falls back to `EVAL` once when the server
/// answers `NOSCRIPT` (first use, or after a restart or `SCRIPT FLUSH`), which also caches it there.
public struct RedisScript: Sendable, Equatable {
    public let source: String
    /// The lowercase hex SHA-1 of `source`, as Redis names cached scripts.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        let hex: [Character] = Array("0123456789abcdef")
        var digest = ""
        for byte in Insecure.SHA1.hash(data: Data(source.utf8)) {
            digest.append(hex[Int(byte >> 4)])
            digest.append(hex[Int(byte & 0x0f)])
        }
        sha1 = digest
    }
}
