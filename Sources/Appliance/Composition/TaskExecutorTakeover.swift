import NIOCore
import NIOPosix
import Synchronization

extension ApplianceConfiguration.TaskExecutor {
    /// Whether this process already asked NIO to take over (NIO stops the process on a second call).
    private static let askedNIO = Atomic<Bool>(false)

    /// Makes SwiftNIO's event loops the global executor of Swift tasks when this choice says so. Call it at the top of
    /// a command's `run`, before the command starts any task. Returns where tasks run from now on: NIO may refuse
    /// (tasks then stay on Dispatch), and only the first call of a process asks it at all.
    func install() -> Self {
        guard self == .eventLoops else { return .dispatch }
        guard Self.askedNIO.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return .dispatch }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() ? .eventLoops : .dispatch
    }
}
