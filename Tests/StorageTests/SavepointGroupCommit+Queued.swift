import GRDB
import TestSupport
import Testing

@testable import Storage

extension SavepointGroupCommit {
    /// For tests of one group: a first call holds the writer until `gate` opens, then one call per body queues behind it,
    /// each waited for in turn, so that all of them are written by the next group transaction, in this order.
    func queueBehindHeldWriter(
        first: Value,
        gate: WriterGate,
        _ bodies: [Body]
    ) async throws -> (holding: Task<Value, any Error>, callers: [Task<Value, any Error>]) {
        let holding = Task {
            try await write { _ in
                gate.hold()
                return first
            }
        }
        try await eventually("the first group holds the writer") { gate.entered }
        var callers: [Task<Value, any Error>] = []
        for (index, body) in bodies.enumerated() {
            callers.append(Task { try await write(body) })
            try await eventually("caller \(index + 1) waits for the next group") { waitingCount == index + 1 }
        }
        return (holding, callers)
    }
}
