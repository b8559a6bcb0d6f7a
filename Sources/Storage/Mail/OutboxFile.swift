import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one message file of the outbox: the bytes into a hidden temporary file of the same folder, flushed to disk
/// (`fsync`, as Foundation's atomic write did), then renamed over `<name>.eml`: a reader never sees half a message, a
/// crash never leaves an empty one behind a completed job, and a second write of the same name replaces the first.
/// Plain system calls (open, write, fsync, close, rename): one `write` for a whole message, no Foundation objects.
enum OutboxFile {
    static func store(_ bytes: [UInt8], directory: String, name: String) throws {
        let final = directory + "/" + name + ".eml"
        let temporary = directory + "/." + name + ".eml." + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if descriptor < 0, errno == ENOENT {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        }
        guard descriptor >= 0 else { throw failure("open", temporary) }
        do {
            try writeAll(bytes, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw failure("fsync", temporary) }
            guard close(descriptor) == 0 else {
                descriptor = -1
                throw failure("close", temporary)
            }
            descriptor = -1
            guard rename(temporary, final) == 0 else { throw failure("rename", final) }
        } catch {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("write", path)
                }
                offset += written
            }
        }
    }

    private static func failure(_ call: String, _ path: String) -> CocoaError {
        let code = errno
        let underlying = POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        return CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: underlying])
    }
}
