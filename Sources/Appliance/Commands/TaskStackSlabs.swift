import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Chooses, before the server starts, how the Swift runtime allocates async stacks (`TASK_STACK_SLABS`).
///
/// With slabs (the runtime's default) a task grows its async stack in 1 KB slabs that it keeps until it ends. Every HTTP
/// connection is one task, and its deepest stack is the request's walk through the middleware chain: each open live stream
/// (and each idle keep-alive connection) then holds ~27 KB of slabs it no longer uses (heaptrack, 1,000 stock streams:
/// 40.5 MB of 58 MB peak heap in `swift::StackAllocator::alloc`). Without slabs each async frame is its own `malloc` and
/// is freed when the frame returns (bench/profiles/streams.md, "7c memory").
///
/// The runtime reads its `SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR` variable once, before `main`, so `serve` sets it and
/// re-executes itself (same PID and arguments) when the environment does not say what the configuration asks.
enum TaskStackSlabs {
    /// The Swift runtime's environment variable (read at start-up; unset means slabs on).
    static let runtimeVariable = "SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR"

    /// The value `runtimeVariable` must take for `enabled`, or nil when this process already runs that way.
    static func pendingValue(enabled: Bool, environment: [String: String]) -> String? {
        let current = environment[runtimeVariable]?.lowercased()
        if enabled {
            return current == nil || current == "true" ? nil : "true"
        }
        return current == "false" ? nil : "false"
    }

    /// Re-executes this binary with the runtime variable set when `enabled` differs from how the runtime started.
    /// Returns only when nothing needs to change, or when the exec failed (then the server runs with the runtime's choice).
    static func apply(enabled: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let value = pendingValue(enabled: enabled, environment: environment) else { return }
        #if os(Linux)
        setenv(runtimeVariable, value, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("klelite: could not restart with TASK_STACK_SLABS applied (\(reason)); continuing\n".utf8))
        #endif
    }
}
