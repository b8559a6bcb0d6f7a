import NIOCore
import NIOPosix

extension ApplianceConfiguration.TaskExecutor {
    /// Makes SwiftNIO's event loops the global executor of Swift tasks when this choice says so. Must run before
    /// the process starts its first task (top of a command's `run`). Returns where tasks run from now on: the
    /// takeover can be refused (it is once per process), and then tasks stay on Dispatch.
    func install() -> Self {
        guard self == .eventLoops else { return .dispatch }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() ? .eventLoops : .dispatch
    }
}
