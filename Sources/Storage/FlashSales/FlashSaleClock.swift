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
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await tick()
            } catch is CancellationError {
                return
            } catch {
                logger.error("flash sale clock failed", metadata: ["error": "\(error)"])
            }
            let next = (try? await sales.nextDueDate()) ?? nil
            // With nothing due, wait for a sale or reservation to appear; re-check hourly as a backstop.
            let deadline = next ?? sales.clock.now().addingTimeInterval(3600)
            await cancelWhenGracefulShutdown { await sales.wake.wait(until: deadline, clock: sales.clock) }
        }
    }

    /// Applies every transition and expiry that is due now.
    public func tick() async throws {
        let transitions = try await sales.applyTransitions()
        let expired = try await sales.expireDue()
        if transitions + expired > 0 {
            logger.debug("flash sale clock", metadata: ["transitions": "\(transitions)", "expired": "\(expired)"])
        }
    }
}
