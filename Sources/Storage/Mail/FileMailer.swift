import Foundation
import NIOPosix

/// Delivers mail by writing each message as `<id>.eml` into an outbox folder (`DATA_DIR/outbox`).
///
/// The file is written under a temporary name and renamed into place, so a reader never sees half a
/// message; writing the same message id again replaces the file, so a retried send leaves one email.
public struct FileMailer: Mailer {
    public let directory: String
    public let from: String
    let clock: any AppClock

    public init(directory: String, from: String, clock: any AppClock) {
        self.directory = directory
        self.from = from
        self.clock = clock
    }

    public func send(_ message: MailMessage) async throws {
        let name = String(message.id.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(100))
        let directory = self.directory
        let bytes = message.renderedBytes(from: from, date: clock.now())
        // File I/O blocks its thread: on NIO's thread pool, not on the event loop that may be running this task.
        try await NIOThreadPool.singleton.runIfActive { try OutboxFile.store(bytes, directory: directory, name: name) }
    }

    /// The messages in the outbox, oldest first, as raw text (for tests and operators).
    public func deliveredMessages() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let paths = names.filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.map { (directory as NSString).appendingPathComponent($0) }
        let dated = paths.map { path in
            (path, (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast)
        }
        return try dated.sorted { $0.1 < $1.1 }.map { try String(contentsOfFile: $0.0, encoding: .utf8) }
    }
}
