import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// A real `redis-server` on a free loopback port with its own temporary directory, started and stopped
/// by its PID. A missing `redis-server` fails the test (never skips it): `scripts/install-deps.sh test` installs it.
final class RedisTestServer: Sendable {
    let port: Int
    let directory: URL
    private let process = Mutex<Process?>(nil)
    private let extraArguments: [String]

    struct NotInstalled: Error, CustomStringConvertible {
        var description: String { "redis-server is not installed: run scripts/install-deps.sh test" }
    }

    private init(port: Int, directory: URL, extraArguments: [String]) {
        self.port = port
        self.directory = directory
        self.extraArguments = extraArguments
    }

    /// The server could not listen on its port: something else took it between ``freePort()`` and the server's bind.
    struct PortTaken: Error {}

    /// Starts a server and waits until it answers, on another free port if its first one was taken meanwhile.
    static func start(_ extraArguments: [String] = []) async throws -> RedisTestServer {
        var attempts = 0
        while true {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-redis-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = RedisTestServer(port: try freePort(), directory: directory, extraArguments: extraArguments)
            do {
                try await server.restart()
                return server
            } catch is PortTaken where attempts < 5 {
                attempts += 1
                server.stop()
            }
        }
    }

    var configuration: RedisConfiguration {
        RedisConfiguration(port: port, backoff: RedisBackoff(initial: .milliseconds(20), maximum: .milliseconds(100)))
    }

    /// Starts the server process (again) on the same port.
    func restart() async throws {
        guard let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: FileManager.default.isExecutableFile)
        else { throw NotInstalled() }
        let launched = Process()
        launched.executableURL = URL(fileURLWithPath: binary)
        launched.arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--loglevel", "warning", "--logfile", directory.appendingPathComponent("redis.log").path,
            ] + extraArguments
        try launched.run()
        process.withLock { $0 = launched }
        var probe = RedisConfiguration(port: port, connectTimeout: .milliseconds(200))
        probe.password = extraArguments.firstIndex(of: "--requirepass").map { extraArguments[$0 + 1] }
        try await eventually("redis-server answers on port \(port)") {
            // Tests run in parallel: another test's server may hold the port (ours then exits at once, unable to bind) and
            // would answer the probe, and the two tests would share one server. Only ours keeps its files in `directory`.
            guard launched.isRunning else { throw PortTaken() }
            guard let connection = try? RedisConnection.open(probe) else { return false }
            let dir = try? connection.send(["CONFIG", "GET", "dir"]).array?.last?.string
            return dir.map { URL(fileURLWithPath: $0).lastPathComponent } == directory.lastPathComponent
        }
    }

    /// Kills the server (SIGKILL, as a crash would) and waits for it to exit.
    func kill() {
        guard
            let running = process.withLock({ process -> Process? in
                defer { process = nil }; return process
            })
        else { return }
        Glibc.kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: commands then time out instead of failing at once.
    func freeze(_ frozen: Bool) {
        guard let pid = process.withLock({ $0?.processIdentifier }) else { return }
        Glibc.kill(pid, frozen ? SIGSTOP : SIGCONT)
    }

    func stop() {
        freeze(false)
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw RedisError.connectionFailed("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `body` with a fresh `redis-server`, stopped afterwards whatever happens.
func withRedisServer<T>(_ extraArguments: [String] = [], _ body: (RedisTestServer) async throws -> T) async throws -> T {
    let server = try await RedisTestServer.start(extraArguments)
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

/// Runs `body` with a client of a fresh server, closing both afterwards.
func withRedisClient<T>(_ body: (RedisClient, RedisTestServer) async throws -> T) async throws -> T {
    try await withRedisServer { server in
        let client = RedisClient(configuration: server.configuration)
        do {
            let result = try await body(client, server)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
