import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Storage
import Synchronization
import Testing

@testable import Web

/// A live stream's tasks run on its connection's event loop, where its writes need no hop (``EventLoopTaskExecutor``).
@Suite struct StreamEventLoopTests {
    @Test func aTaskThatPrefersTheExecutorRunsOnItsLoopAcrossSuspensions() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let seen = await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
            var seen = [loop.inEventLoop]
            await Task.yield()
            seen.append(loop.inEventLoop)
            // Woken from another thread, as a stream's source wakes its parked body.
            await withCheckedContinuation { continuation in Thread.detachNewThread { continuation.resume() } }
            seen.append(loop.inEventLoop)
            return seen
        }
        #expect(seen == [true, true, true])
        try await group.shutdownGracefully()
    }

    /// The stream's feeding task (and with it the body that writes what it feeds) runs on the loop of the connection
    /// the request came in on, not on Swift's global executor.
    @Test func aStreamIsFedAndWrittenOnItsConnectionsEventLoop() async throws {
        let responder = EventStreamResponder(clock: ManualClock(), heartbeat: 15, slots: StreamSlots(limit: 4))
        let onLoop = Mutex<[Bool]>([])
        let router = Router(context: AppRequestContext.self)
        router.get("/probe/stream") { request, context -> Response in
            let slot = try responder.takeSlot(for: context.clientAddress)
            guard let loop = context.eventLoop else { throw HTTPError(.internalServerError, message: "a context with no loop") }
            let (events, continuation) = AsyncStream<Int>.makeStream()
            for event in 1...3 { continuation.yield(event) }
            continuation.finish()
            return responder.response(to: request, on: loop, holding: slot, opening: [], live: events) { event in
                onLoop.withLock { $0.append(loop.inEventLoop) }
                return ByteBuffer(string: "data: \(event)\n\n")
            }
        }
        try await Application(router: router).test(.live) { client in
            let response = try await client.execute(uri: "/probe/stream", method: .get)
            #expect(String(buffer: response.body) == "retry: 5000\n: connected\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\n")
        }
        #expect(onLoop.withLock { $0 } == [true, true, true])
    }
}
