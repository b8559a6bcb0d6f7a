import ServiceLifecycle

/// Runs a background service once the start-up work (``Shop/prepare()``, in the application's
/// `beforeServerStarts`) has finished. A shutdown or a failed start-up before then ends it without running it.
struct AfterStartup: Service {
    let gate: StartupGate
    let service: any Service

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await gate.wait() }
        } catch {
            return
        }
        try await service.run()
    }
}
