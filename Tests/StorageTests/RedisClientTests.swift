import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Storage

@Suite struct RedisClientTests {
    @Test func readsRedisURLsWithPasswordPortAndDatabase() throws {
        let full = try RedisConfiguration(url: "redis://:s3cr%40t@10.0.0.5:6380/2")
        #expect(full.host == "10.0.0.5" && full.port == 6380 && full.database == 2)
        #expect(full.password == "s3cr@t" && full.username == nil)
        let user = try RedisConfiguration(url: "redis://shop:pw@cache.local")
        #expect(user.username == "shop" && user.password == "pw" && user.port == 6379 && user.database == 0)
        let plain = try RedisConfiguration(url: "redis://127.0.0.1:6379/")
        #expect(plain.password == nil && plain.database == 0)
        for bad in ["rediss://127.0.0.1:6379", "http://127.0.0.1", "redis://127.0.0.1/x", "redis://:6379", "not a url", "redis://u@h:1"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisConfiguration(url: bad) }
        }
    }

    @Test func backoffDoublesFromTheInitialDelayUpToTheMaximum() {
        let backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.delay(afterFailures: 0) == .zero)
        #expect(backoff.delay(afterFailures: 1) == .milliseconds(100))
        #expect(backoff.delay(afterFailures: 2) == .milliseconds(200))
        #expect(backoff.delay(afterFailures: 4) == .milliseconds(800))
        #expect(backoff.delay(afterFailures: 5) == .seconds(1))
        #expect(backoff.delay(afterFailures: 1000) == .seconds(1))
    }

    @Test func repliesAreTyped() async throws {
        try await withRedisClient { (client, _) async throws in
            #expect(try await client.send(["PING"]) == .status("PONG"))
            #expect(try await client.send(["SET", "greeting", "xin chào"]) == .status("OK"))
            #expect(try await client.send(["GET", "greeting"]) == .bulk("xin chào"))
            #expect(try await client.send(["GET", "missing"]) == .null)
            #expect(try await client.send(["INCRBY", "n", "41"]) == .integer(41))
            #expect(try await client.send(["RPUSH", "list", "a", "", "c"]) == .integer(3))
            #expect(try await client.send(["LRANGE", "list", "0", "-1"]) == .array([.bulk("a"), .bulk(""), .bulk("c")]))
            guard case .error(let message) = try await client.send(["NOSUCHCOMMAND"]) else {
                Issue.record("an unknown command must answer an error reply")
                return
            }
            #expect(message.hasPrefix("ERR"))
            #expect(try await client.send(["GET", "greeting"]) == .bulk("xin chào"))  // the connection survived the error
        }
    }

    @Test func evalshaFallsBackToEvalWhenTheServerDoesNotKnowTheScript() async throws {
        try await withRedisClient { (client, _) async throws in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(0)]))
            #expect(try await client.evaluate(script, keys: ["counter"], arguments: ["2"]) == .integer(2))
            #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))  // cached by EVAL
            _ = try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await client.evaluate(script, keys: ["counter"], arguments: ["3"]) == .integer(5))
            await #expect(throws: RedisError.self) {
                try await client.evaluate(RedisScript("return redis.call('NOPE')"), keys: [], arguments: [])
            }
        }
    }

    @Test func authenticatesAndSelectsTheDatabaseOfTheURL() async throws {
        try await withRedisServer(["--requirepass", "s3cret"]) { (server) async throws in
            var configuration = try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/3")
            configuration.backoff = RedisBackoff(initial: .milliseconds(1), maximum: .milliseconds(1))
            let client = RedisClient(configuration: configuration)
            #expect(try await client.send(["SET", "k", "in-db-3"]) == .status("OK"))
            configuration.database = 0
            let other = RedisClient(configuration: configuration)
            #expect(try await other.send(["GET", "k"]) == .null)
            configuration.password = "wrong"
            let refused = RedisClient(configuration: configuration)
            await #expect(throws: RedisError.self) { try await refused.send(["PING"]) }
            for closing in [client, other, refused] { await closing.close() }
        }
    }

    /// Pipelined: each caller gets its own command's reply (the 200 increments answer 1...200, each once), over two
    /// connections.
    @Test func manyConcurrentCommandsShareAFewConnections() async throws {
        try await withRedisServer { (server) async throws in
            var configuration = server.configuration
            configuration.maxConnections = 2
            let client = RedisClient(configuration: configuration)
            let replies = try await withThrowingTaskGroup(of: RedisReply.self) { group in
                for _ in 0..<200 { group.addTask { try await client.send(["INCR", "hits"]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(replies.compactMap(\.int)) == Set(1...200) && replies.count == 200)
            #expect(try await client.send(["GET", "hits"]) == .bulk("200"))
            #expect(try await client.send(["CLIENT", "LIST"]).string?.split(separator: "\n").count ?? 0 <= 2)
            await client.close()
        }
    }

    @Test func anEmptyCommandIsRefusedBeforeItCanShiftTheRepliesOfOthers() async throws {
        try await withRedisClient { (client, _) async throws in
            await #expect(throws: RedisError.self) { try await client.send([]) }
            #expect(try await client.send(["PING"]) == .status("PONG"))
        }
    }

    /// Closing with commands in flight and queued: every caller returns (a reply, or `closed`), none hangs, and the
    /// commands after the close are refused.
    @Test func closingWhileCommandsAreQueuedAnswersEveryCaller() async throws {
        try await withRedisServer { (server) async throws in
            var configuration = server.configuration
            configuration.maxConnections = 1
            let client = RedisClient(configuration: configuration)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        if index == 150 { await client.close() }
                        do {
                            _ = try await client.send(["INCR", "n"])
                            return "reply"
                        } catch RedisError.closed {
                            return "closed"
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes.values.reduce(0, +) == 300)
            #expect(Set(outcomes.keys).isSubset(of: ["reply", "closed"]), "\(outcomes)")
            await #expect(throws: RedisError.closed) { try await client.send(["PING"]) }
        }
    }

    @Test func aCommandThatTimesOutFailsAndTheNextOneUsesAFreshConnection() async throws {
        try await withRedisServer { (server) async throws in
            var configuration = server.configuration
            configuration.commandTimeout = .milliseconds(200)
            configuration.maxConnections = 1  // one lane: the command after the timeout is on the same lane
            let client = RedisClient(configuration: configuration)
            #expect(try await client.send(["SET", "k", "v"]) == .status("OK"))
            server.freeze(true)
            await #expect(throws: RedisError.self) { try await client.send(["GET", "k"]) }
            server.freeze(false)
            #expect(try await client.send(["GET", "k"]) == .bulk("v"))
            await client.close()
        }
    }

    /// Redis down: commands fail fast (refused, then `unavailable` during the backoff), and the client
    /// recovers on its own when the server is back.
    @Test func failsFastWhileRedisIsDownAndRecoversWithoutARestart() async throws {
        try await withRedisServer { (server) async throws in
            var configuration = server.configuration
            configuration.backoff = RedisBackoff(initial: .seconds(30), maximum: .seconds(30))
            configuration.maxConnections = 1  // one lane: the first GET finds the connection the SET used
            let client = RedisClient(configuration: configuration)
            #expect(try await client.send(["SET", "k", "v"]) == .status("OK"))
            server.kill()
            await #expect(throws: RedisError.self) { try await client.send(["GET", "k"]) }  // the stale connection
            await #expect(throws: RedisError.self) { try await client.send(["GET", "k"]) }  // refused: connect fails
            await #expect(throws: RedisError.unavailable) { try await client.send(["GET", "k"]) }  // within the backoff
            await client.close()

            var quick = server.configuration
            quick.backoff = RedisBackoff(initial: .milliseconds(10), maximum: .milliseconds(10))
            let recovering = RedisClient(configuration: quick)
            await #expect(throws: RedisError.self) { try await recovering.send(["PING"]) }
            try await server.restart()
            try await eventually("the client reconnects") { await recovering.isReachable() }
            #expect(try await recovering.send(["GET", "k"]) == .null)  // a new, empty server
            await recovering.close()
        }
    }

    @Test func theSubscriberDeliversMessagesAndResubscribesAfterARestart() async throws {
        try await withRedisClient { (client, server) async throws in
            let subscriber = RedisSubscriber(configuration: server.configuration, channels: ["shop:events", "shop:catalog"])
            let running = Task { try await subscriber.run() }
            var events = subscriber.events.makeAsyncIterator()
            #expect(await events.next() == .subscribed)
            #expect(try await client.send(["PUBLISH", "shop:events", "hello"]) == .integer(1))
            #expect(try await client.send(["PUBLISH", "shop:catalog", "v2"]) == .integer(1))
            #expect(await events.next() == .message(channel: "shop:events", payload: "hello"))
            #expect(await events.next() == .message(channel: "shop:catalog", payload: "v2"))

            server.kill()
            #expect(await events.next() == .lost)
            try await server.restart()
            #expect(await events.next() == .subscribed)
            try await eventually("the publisher reconnects") { await client.isReachable() }
            #expect(try await client.send(["PUBLISH", "shop:events", "again"]) == .integer(1))
            #expect(await events.next() == .message(channel: "shop:events", payload: "again"))

            running.cancel()
            try await running.value
            #expect(await events.next() == nil)  // the stream ends with the service
        }
    }
}
