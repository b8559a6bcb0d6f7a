import Crypto
import Foundation

/// Uploaded product pictures, stored in `DATA_DIR/uploads` under the SHA-256 of their bytes.
///
/// The type is decided by the file's first bytes, never by its name or declared content type:
/// only JPEG, PNG and WebP are accepted. The same picture uploaded twice is stored once.
public struct ProductImageStore: Sendable {
    /// Largest accepted picture: 5 MiB.
    public static let maximumBytes = 5 * 1024 * 1024
    /// Where uploaded pictures are served from.
    public static let urlPrefix = "/uploads/"

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The kinds of picture accepted, by signature.
    public enum Kind: String, Sendable {
        case jpeg = "jpg"
        case png
        case webp

        init?(sniffing data: Data) {
            let bytes = [UInt8](data.prefix(12))
            if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
                self = .jpeg
            } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
                self = .png
            } else if bytes.count == 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x45, 0x42, 0x50] {
                self = .webp
            } else {
                return nil
            }
        }
    }

    /// Saves the picture and returns its URL path, e.g. `/uploads/3f…9a.png`.
    public func save(_ data: Data) throws -> String {
        guard data.count <= Self.maximumBytes else {
            throw AppError(.payloadTooLarge, "Pictures may be at most 5 MB.")
        }
        guard let kind = Kind(sniffing: data) else {
            throw AppError(.unsupportedMediaType, "Only JPEG, PNG and WebP pictures are accepted.")
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let name = "\(digest).\(kind.rawValue)"
        let path = (directory as NSString).appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return Self.urlPrefix + name
    }
}
