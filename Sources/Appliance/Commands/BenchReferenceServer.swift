import ArgumentParser
import Foundation
import Hummingbird

/// `klelite bench-reference-server` (hidden, for `make bench`): the references of the HTTP benchmarks, served by
/// this same binary (same Hummingbird, NIO and build settings as `serve`) with a bare router — no middleware at
/// all: `GET /plain` answers "hello" as text, `GET /json` answers the given file's bytes, pre-encoded, as JSON.
struct BenchReferenceServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-reference-server",
        abstract: "Serve bare reference routes for the HTTP benchmarks (127.0.0.1 only).",
        shouldDisplay: false
    )

    @Option(help: "Port on 127.0.0.1.")
    var port: Int

    @Option(name: .customLong("json-file"), help: "The bytes `GET /json` answers with.")
    var jsonFile: String

    @Option(name: .customLong("task-executor"), help: "event-loops or dispatch: run on the same executor as the server it is compared with.")
    var taskExecutor: String = ApplianceConfiguration.TaskExecutor.dispatch.rawValue

    func run() async throws {
        guard let executor = ApplianceConfiguration.TaskExecutor(rawValue: taskExecutor) else {
            throw ValidationError("--task-executor: expected event-loops or dispatch")
        }
        _ = executor.install()
        let json = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: jsonFile)))
        let router = Router()
        router.get("plain") { _, _ in "hello" }
        router.get("json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: json))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "klelite"))
        try await app.runService()
    }
}
