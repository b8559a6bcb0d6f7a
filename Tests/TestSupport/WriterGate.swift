import Dispatch
import Synchronization

/// Blocks the thread that enters it (the database writer's, inside a statement or a write) until the test opens it:
/// callers that arrive meanwhile queue for the same group commit.
public final class WriterGate: Sendable {
    private let isEntered = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    public init() {}

    /// Whether a thread has entered the gate.
    public var entered: Bool { isEntered.load(ordering: .acquiring) }

    /// Waits, on the calling thread, until ``open()``.
    public func hold() {
        isEntered.store(true, ordering: .releasing)
        semaphore.wait()
    }

    public func open() { semaphore.signal() }
}
