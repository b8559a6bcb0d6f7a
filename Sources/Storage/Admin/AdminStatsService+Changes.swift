extension AdminStatsService {
    /// The tables whose committed changes may move the dashboard's figures.
    static let countedTables: Set<String> = ["order", "product", "flashSale", "job"]

    /// Ticks after every committed change to the tables the dashboard counts (orders, products, flash sales, jobs),
    /// here or in another process, so a live dashboard reads the figures again only when they may have moved. Ticks
    /// that arrive while the reader is still busy collapse into one. Opening it never waits for the database (one
    /// observer, registered with the service, feeds every open dashboard); it ends when the caller stops listening.
    public func changes() -> AsyncStream<Void> {
        figureChanges.subscribe()
    }
}
