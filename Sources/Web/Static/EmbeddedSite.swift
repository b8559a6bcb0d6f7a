import Foundation
import Hummingbird

/// Pages and the API contract held in memory (built into the binary), served instead of a folder on disk.
public struct EmbeddedSite: Sendable {
    /// Each file by its URL path, `/index.html`.
    let files: [String: ByteBuffer]
    let openAPI: ByteBuffer
    /// Stands in for a file's modification time (`Last-Modified`, and with the size the `ETag`): the moment
    /// this process started, so a new binary never answers 304 for bytes it did not serve before.
    let loadedAt: Date

    public init(files: [String: Data], openAPI: Data, loadedAt: Date = Date()) {
        self.files = files.mapValues { ByteBuffer(bytes: $0) }
        self.openAPI = ByteBuffer(bytes: openAPI)
        self.loadedAt = loadedAt
    }
}

/// A ``FileProvider`` over an ``EmbeddedSite``: only the paths it holds exist, so nothing outside it can be served.
struct EmbeddedFileProvider: FileProvider {
    struct FileAttributes: FileMiddlewareFileAttributes, Sendable {
        let isFolder: Bool
        let size: Int
        let modificationDate: Date
    }

    typealias FileIdentifier = String

    let site: EmbeddedSite
    /// Every folder that holds a file, as `/`, `/css`, `/images/demo`.
    private let folders: Set<String>

    init(site: EmbeddedSite) {
        self.site = site
        var folders: Set<String> = ["/"]
        for path in site.files.keys {
            var folder = (path as NSString).deletingLastPathComponent
            while folder != "/" && !folder.isEmpty {
                folders.insert(folder)
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        self.folders = folders
    }

    func getFileIdentifier(_ path: String) -> String? {
        var id = path.hasPrefix("/") ? path : "/" + path
        while id.count > 1 && id.hasSuffix("/") { id.removeLast() }
        return id
    }

    func getAttributes(id: String) async throws -> FileAttributes? {
        if let file = site.files[id] { return FileAttributes(isFolder: false, size: file.readableBytes, modificationDate: site.loadedAt) }
        if folders.contains(id) { return FileAttributes(isFolder: true, size: 0, modificationDate: site.loadedAt) }
        return nil
    }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        guard let file = site.files[id] else { throw HTTPError(.notFound) }
        return ResponseBody(byteBuffer: file)
    }

    /// The bytes of `range` that the file has: an open or too long range ends at the file's last byte, as Hummingbird's
    /// `Content-Range` and `Content-Length` for it say; one starting past the end is a 416. (The gate takes `Range` off
    /// every request for a static file, so `FileMiddleware` asks for whole files only.)
    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        guard let file = site.files[id] else { throw HTTPError(.notFound) }
        let lower = max(range.lowerBound, 0)
        let upper = min(range.upperBound, file.readableBytes - 1)
        guard lower <= upper, let slice = file.getSlice(at: file.readerIndex + lower, length: upper - lower + 1) else {
            throw HTTPError(.rangeNotSatisfiable)
        }
        return ResponseBody(byteBuffer: slice)
    }
}
