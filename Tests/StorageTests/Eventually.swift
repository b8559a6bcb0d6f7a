import Testing

/// Polls a condition that asynchronous work will make true, for at most ten seconds of real time.
func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    for _ in 0..<2000 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for: \(what)")
}
