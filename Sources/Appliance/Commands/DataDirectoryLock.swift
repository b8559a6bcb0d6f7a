import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving process's exclusive claim on `DATA_DIR`: an `flock` on `DATA_DIR/klelite.lock`.
///
/// With `STOCK_BACKEND=memory` each server keeps its own stock ledger, so two servers on one data folder would
/// each sell a sale in full. The kernel releases an `flock` when its holder dies, so `kill -9` never leaves a
/// stale lock behind. The file holds the holder's PID, for the message the next process prints. Most CLI commands
/// (`migrate`, `backup`, …) never take it: they may run beside a live server. The full `seed-demo` does, because
/// it walks a clock of its own through the sales it creates.
///
/// With `STOCK_BACKEND=redis` the instances share the stock in Redis, so each takes the lock *shared*
/// (`LOCK_SH`): any number of cluster instances serve one folder together, while a memory-mode server (exclusive)
/// cannot start beside them, nor they beside it.
final class DataDirectoryLock: Sendable {
    /// Why the lock could not be taken; renders as the one line `serve` prints before exiting.
    struct Busy: Error, Equatable, CustomStringConvertible {
        let directory: String
        /// The holder's PID as it wrote it, or nil when it had not written it yet.
        let holderPID: Int32?

        var description: String {
            let holder = holderPID.map { "PID \($0)" } ?? "PID unknown"
            return "DATA_DIR \(directory) is in use by another klelite serve (\(holder)). With STOCK_BACKEND=memory one process "
                + "serves a data folder; run several instances with STOCK_BACKEND=redis, or set DATA_DIR_LOCK_WAIT_SECONDS "
                + "to wait for the other one to stop (a rolling restart)."
        }
    }

    /// The lock file could not be opened or locked for a reason other than another holder.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let fileName = "klelite.lock"

    let path: String
    private let descriptor: Mutex<Int32?>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Takes the lock, waiting up to `wait` for another holder to let go (polling every `pollInterval`).
    /// - Parameter onWait: called once, with the holder's PID, when the lock is busy and the caller will wait.
    static func acquire(
        directory: String,
        wait: Duration = .zero,
        shared: Bool = false,
        pollInterval: Duration = .milliseconds(50),
        onWait: (Int32?) -> Void = { _ in }
    ) async throws -> DataDirectoryLock {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(fileName)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        let deadline = ContinuousClock.now.advanced(by: wait)
        var announced = false
        while true {
            if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 {
                if !shared { writePID(descriptor) }  // shared holders are many; the file names the exclusive one
                return DataDirectoryLock(path: path, descriptor: descriptor)
            }
            let error = errno
            guard error == EWOULDBLOCK || error == EAGAIN || error == EINTR else {
                close(descriptor)
                throw Failure(description: "cannot lock \(path): \(String(cString: strerror(error)))")
            }
            let holder = readPID(descriptor)
            guard ContinuousClock.now < deadline else {
                close(descriptor)
                throw Busy(directory: directory, holderPID: holder)
            }
            if !announced {
                announced = true
                onWait(holder)
            }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                close(descriptor)
                throw error
            }
        }
    }

    /// Lets go of the lock (the kernel does the same when the process exits).
    func release() {
        guard
            let descriptor = descriptor.withLock({ value -> Int32? in
                defer { value = nil }
                return value
            })
        else { return }
        close(descriptor)
    }

    private static func writePID(_ descriptor: Int32) {
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
