import GRDB

extension AdminStatsService {
    /// Ticks after every committed change to the tables the dashboard counts (orders, products, flash sales,
    /// jobs), so a live dashboard reads the figures again only when they may have moved. Ticks that arrive while
    /// the reader is still busy collapse into one. Only writes made through this process's database are seen;
    /// the stream ends when the caller stops listening.
    public func changes() -> AsyncStream<Void> {
        let (ticks, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let observation = DatabaseRegionObservation(tracking: Table("order"), Table("product"), Table("flashSale"), Table("job"))
        let cancellable = observation.start(
            in: database.writer,
            onError: { _ in continuation.finish() },
            onChange: { _ in continuation.yield() }
        )
        continuation.onTermination = { _ in cancellable.cancel() }
        return ticks
    }
}
