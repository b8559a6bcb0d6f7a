import Foundation
import Logging
import ServiceLifecycle

/// Moves flash sales across their boundaries and releases expired reservations, each exactly when due:
/// it sleeps until the earliest sale boundary or reservation expiry (recomputed whenever a sale or a
/// reservation may have moved it earlier), not on a fixed polling interval. Overdue work is applied at once
/// at start-up.
public struct FlashSaleClock: Service {
    let sales: FlashSaleService
    let logger: Logger

    public init(sales: FlashSaleService, logger: Logger = Logger(label: "klelite.flash-sales")) {
        self.sales = sales
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await tick()
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                // A failing tick (a read-only or full disk) leaves its work due, so the next one would run at once:
                // back off instead of spinning, 1 s after the first failure, doubling up to a minute.
                failures += 1
                let delay = Self.backoff(afterFailures: failures)
                logger.error("flash sale clock failed; retrying later", metadata: ["error": "\(error)", "retryInSeconds": "\(delay)"])
                do {
                    try await cancelWhenGracefulShutdown { try await sales.clock.sleep(until: sales.clock.now().addingTimeInterval(delay)) }
                } catch {
                    return
                }
                continue
            }
            let next = (try? await sales.nextDueDate()) ?? nil
            // With nothing due, wait for a sale or reservation to appear; re-check hourly as a backstop.
            let deadline = next ?? sales.clock.now().addingTimeInterval(3600)
            await cancelWhenGracefulShutdown { await sales.wake.wait(until: deadline, clock: sales.clock) }
        }
    }

    /// Seconds to wait after `failures` failed ticks in a row: 1, 2, 4, … capped at 60.
    static func backoff(afterFailures failures: Int) -> TimeInterval {
        min(60, Double(1 << min(max(failures, 1) - 1, 6)))
    }

    /// Applies every transition and expiry that is due now, and releases what cancelled sales still hold after a
    /// cancellation cut short or a restart.
    public func tick() async throws {
        let transitions = try await sales.applyTransitions()
        // Before the expiry, so that a cancelled sale's holds go back as cancelled even when their time is up too.
        let cancelled = try await sales.releaseCancelledHoldsIfPending()
        let expired = try await sales.expireDue()
        if transitions + expired + cancelled > 0 {
            logger.debug(
                "flash sale clock",
                metadata: ["transitions": "\(transitions)", "expired": "\(expired)", "releasedOfCancelledSales": "\(cancelled)"]
            )
        }
    }
}
