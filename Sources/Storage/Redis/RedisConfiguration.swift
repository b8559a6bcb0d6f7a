import Foundation

/// Where and how to reach Redis: read from `redis://[[user]:password@]host[:port][/db]` plus timeouts.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// How long one command may wait for its reply before the connection is dropped.
    public var commandTimeout: Duration
    /// Connections kept open at most (each runs its commands on a thread of its own).
    public var maxConnections: Int
    public var backoff: RedisBackoff

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(1),
        maxConnections: Int = 4,
        backoff: RedisBackoff = RedisBackoff()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maxConnections = max(1, maxConnections)
        self.backoff = backoff
    }

    /// Reads a `redis://` URL. `rediss://` (TLS) is refused: libhiredis 0.14 has no TLS.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw RedisError.invalidURL("\(url) is not a URL")
        }
        guard scheme == "redis" else {
            throw RedisError.invalidURL(
                scheme == "rediss" ? "rediss:// (TLS) is not supported; use redis:// on a trusted network" : "scheme must be redis://"
            )
        }
        guard let host = components.host, !host.isEmpty else { throw RedisError.invalidURL("\(url) has no host") }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw RedisError.invalidURL("port \(port) is out of range") }
        var database = 0
        let path = components.path.drop { $0 == "/" }
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else { throw RedisError.invalidURL("database must be a number, not \(path)") }
            database = number
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        guard user == nil || password != nil else { throw RedisError.invalidURL("a user name needs a password") }
        self.init(host: host, port: port, username: user, password: password, database: database)
    }
}
