import Storage
import Synchronization

/// Caps the live streams (SSE) one client address may hold open at once, so that one address cannot pin
/// thousands of connections and their buffers. A stream holds a ``Slot`` for as long as its response lives; the
/// slot frees itself when the response is finished or dropped, so no path can leak one.
public final class StreamSlots: Sendable {
    /// One held stream; released once: by ``release()`` when its stream ends, or when the last reference goes away.
    final class Slot: Sendable {
        private let onRelease: Mutex<(@Sendable () -> Void)?>

        init(release: @escaping @Sendable () -> Void) {
            self.onRelease = Mutex(release)
        }

        /// Frees the slot now; later calls (and the deinit) do nothing.
        func release() {
            let release = onRelease.withLock { onRelease -> (@Sendable () -> Void)? in
                defer { onRelease = nil }
                return onRelease
            }
            release?()
        }

        deinit { release() }
    }

    /// Streams allowed per address.
    public let limit: Int
    private let open = Mutex<[String: Int]>([:])

    public init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for `address`, or throws 429 `rate_limited` when it already holds `limit` streams.
    /// Requests whose address the transport does not know share one bucket.
    func take(for address: String?) throws(AppError) -> Slot {
        let key = address ?? "unknown"
        let taken = open.withLock { open -> Bool in
            let current = open[key, default: 0]
            guard current < limit else { return false }
            open[key] = current + 1
            return true
        }
        guard taken else {
            throw AppError(.rateLimited, "Too many live streams are open from this address; close one and retry.", retryAfter: 5)
        }
        return Slot { [weak self] in
            self?.open.withLock { open in
                let remaining = open[key, default: 1] - 1
                open[key] = remaining > 0 ? remaining : nil
            }
        }
    }

    /// Streams open for `address` (for tests and metrics).
    public func count(for address: String?) -> Int {
        open.withLock { $0[address ?? "unknown", default: 0] }
    }
}
