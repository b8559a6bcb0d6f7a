/// Why `eventually` gave up: what the test waited for, and for how long.
public struct EventuallyTimedOut: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration

    public var description: String { "timed out after \(timeout) waiting for: \(what)" }
}

/// Polls a condition that asynchronous work will make true, every `interval`, until it holds; throws
/// `EventuallyTimedOut` (which fails the calling test) once `timeout` of real time has passed without it. The
/// default is generous: on 2 shared cores the whole suite runs in parallel and a poller can starve for seconds.
///
/// The one polling helper of the Swift test targets. The timeout is a guard against a hang, not a timing goal:
/// set it far above what the work needs on a loaded machine (timing goals live in `bench/`). Code under test that
/// waits for time runs on a `ManualClock`; this waits only for other tasks to catch up.
public func eventually(
    _ what: String,
    timeout: Duration = .seconds(60),
    every interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        guard clock.now < deadline else { throw EventuallyTimedOut(what: what, timeout: timeout) }
        try await Task.sleep(for: interval)
    }
}
