import Foundation
import Testing

@testable import Appliance

@Suite struct DataDirectoryLockTests {
    private func temporaryDirectory() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("klelite-lock-\(UUID().uuidString)")
    }

    @Test func aSecondHolderIsRefusedWithTheFirstHoldersPID() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await DataDirectoryLock.acquire(directory: directory)
        await #expect(throws: DataDirectoryLock.Busy(directory: directory, holderPID: getpid())) {
            _ = try await DataDirectoryLock.acquire(directory: directory)
        }
        first.release()
        let second = try await DataDirectoryLock.acquire(directory: directory)
        second.release()
    }

    @Test func theRefusalNamesThePIDAndTheWayToRunSeveralInstances() {
        let message = DataDirectoryLock.Busy(directory: "/srv/shop", holderPID: 4242).description
        #expect(message.contains("PID 4242"))
        #expect(message.contains("STOCK_BACKEND=redis"))
        #expect(message.contains("DATA_DIR_LOCK_WAIT_SECONDS"))
        #expect(!message.contains("\n"))
    }

    /// A rolling restart: the newcomer waits while the old holder drains, and gets the lock once it lets go.
    @Test func aWaitingHolderGetsTheLockWhenTheFirstLetsGo() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await DataDirectoryLock.acquire(directory: directory)
        let waiting = AsyncStream.makeStream(of: Int32?.self)
        let second = Task {
            try await DataDirectoryLock.acquire(directory: directory, wait: .seconds(60), pollInterval: .milliseconds(5)) { holder in
                waiting.continuation.yield(holder)
            }
        }
        var announced = waiting.stream.makeAsyncIterator()
        let holder = await announced.next()
        #expect(holder == getpid())
        first.release()
        let lock = try await second.value
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
        lock.release()
    }
}
