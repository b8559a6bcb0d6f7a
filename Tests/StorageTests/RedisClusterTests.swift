import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Storage

/// A flash-sale fixture whose ledger is Redis (on `server`), as one cluster instance has it.
private func clusterInstance(_ fixture: FlashSaleFixture, _ client: RedisClient) -> (FlashSaleService, RedisStockLedger) {
    let ledger = RedisStockLedger(client: client, namespace: "test:stock")
    let sales = FlashSaleService(
        database: fixture.database,
        clock: fixture.clock,
        ledger: ledger,
        rateLimiter: InMemoryRateLimiter(clock: fixture.clock),
        settings: .init(reservationTTL: 300, reservePerMinute: 1000)
    )
    return (sales, ledger)
}

/// Runs two buses (two instances) on one Redis until `body` returns.
private func withTwoBuses(_ client: RedisClient, _ body: (RedisEventBus, RedisEventBus) async throws -> Void) async throws {
    let first = RedisEventBus(client: client, namespace: "test:events")
    let second = RedisEventBus(client: client, namespace: "test:events")
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await first.run() }
        group.addTask { try await second.run() }
        defer { group.cancelAll() }
        try await body(first, second)
    }
}

@Suite struct RedisClusterTests {
    @Test func theFirstInstanceRebuildsRedisFromSQLiteAndTheOthersWaitForIt() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 3)
        let product = sale.items[0].productId
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
        try await withRedisClient { (client, _) async throws in
            let instances = (0..<4).map { _ in clusterInstance(fixture, client) }
            let rebuilt = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (sales, ledger) in instances {
                    group.addTask { try await StockReconciler(sales: sales, ledger: ledger, clock: fixture.clock).ensureLoaded() }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(rebuilt == 1)
            let level = try await instances[0].1.level(SaleItemKey(saleID: sale.id, productID: product))
            #expect(level == StockLevel(quantity: 10, held: 2, confirmed: 0, remaining: 8))
        }
    }

    @Test func afterRedisRestartsEmptyReservationsAnswerUnavailableUntilTheLedgerIsReloaded() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 5, limit: 5)
        let product = sale.items[0].productId
        let lan = try await fixture.catalog.customer()
        try await withRedisClient { (client, server) async throws in
            let (sales, ledger) = clusterInstance(fixture, client)
            let reconciler = StockReconciler(sales: sales, ledger: ledger, clock: fixture.clock)
            try await reconciler.ensureLoaded()
            _ = try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
            server.kill()
            try await server.restart()  // no persistence: it comes back empty
            try await eventually("the client reconnects") { await client.isReachable() }
            await #expect(throws: RedisError.unavailable) { try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 1) }
            #expect(try await reconciler.ensureLoaded())
            _ = try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 3)
            #expect(try await ledger.level(SaleItemKey(saleID: sale.id, productID: product))?.remaining == 0)
        }
    }

    @Test func reconciliationRepairsASkewedItemWhenTheSameDriftIsSeenTwice() async throws {
        let fixture = try FlashSaleFixture()
        let sale = try await fixture.croissantSale(quantity: 10, limit: 3)
        let product = sale.items[0].productId
        let key = SaleItemKey(saleID: sale.id, productID: product)
        let lan = try await fixture.catalog.customer()
        try await withRedisClient { (client, _) async throws in
            let (sales, ledger) = clusterInstance(fixture, client)
            let reconciler = StockReconciler(sales: sales, ledger: ledger, clock: fixture.clock)
            try await reconciler.ensureLoaded()
            _ = try await sales.reserve(by: lan, saleID: sale.id, productID: product, quantity: 2)
            #expect(try await reconciler.reconcile() == .init(checked: 1, drifted: 0, repaired: 0))
            _ = try await client.send(["HSET", ledger.itemKey(key), "remaining", "1"])  // 7 units lost
            #expect(try await reconciler.reconcile() == .init(checked: 1, drifted: 1, repaired: 0))  // maybe in flight
            #expect(try await reconciler.reconcile() == .init(checked: 1, drifted: 1, repaired: 1))
            #expect(try await ledger.level(key) == StockLevel(quantity: 10, held: 2, confirmed: 0, remaining: 8))
            #expect(try await reconciler.reconcile() == .init(checked: 1, drifted: 0, repaired: 0))
            _ = try await client.send(["DEL", ledger.itemKey(key)])  // a lost key comes back from SQLite too
            _ = try await reconciler.reconcile()
            #expect(try await reconciler.reconcile().repaired == 1)
            #expect(try await ledger.taken(key, userID: lan.user.id) == 2)
            #expect(try await ledger.level(key)?.remaining == 8)
        }
    }

    @Test func aNotificationPublishedOnOneInstanceReachesAStreamOnAnother() async throws {
        try await withRedisClient { (client, _) async throws in
            try await withTwoBuses(client) { first, second in
                let hubA = RedisNotificationHub(bus: first)
                let hubB = RedisNotificationHub(bus: second)
                let stream = hubB.subscribe(userID: "lan", sessionID: "s1")
                let received = Mutex<[UserEvent]>([])
                let reader = Task {
                    for await event in stream { received.withLock { $0.append(event) } }
                }
                // Publish until B's subscription is up (the first messages may precede it), then check delivery.
                try await eventually("B's stream receives A's count") {
                    hubA.publish(.unreadCount(3), to: "lan")
                    try await Task.sleep(for: .milliseconds(20))
                    return received.withLock { $0.contains(.unreadCount(3)) }
                }
                #expect(received.withLock { $0.allSatisfy { $0 == .unreadCount(3) } })  // nothing delivered twice in kind
                hubA.disconnect(session: "s1")  // signing out on A ends the stream held on B
                try await eventually("B's stream ends") { hubB.subscriberCount == 0 }
                reader.cancel()
            }
        }
    }

    @Test func afterTheChannelReconnectsLocalStreamsCloseSoClientsReplayFromSQLite() async throws {
        try await withRedisClient { (client, server) async throws in
            try await withTwoBuses(client) { first, _ in
                let hub = RedisNotificationHub(bus: first)
                let stream = hub.subscribe(userID: "lan", sessionID: "s1")
                let ended = Mutex(false)
                let reader = Task {
                    for await _ in stream {}
                    ended.withLock { $0 = true }
                }
                try await eventually("both subscribers are connected") {
                    (try await client.send(["PUBSUB", "NUMSUB", "test:events:user"])).array?.last?.int == 2
                }
                #expect(!ended.withLock { $0 })
                server.kill()
                try await server.restart()
                try await eventually("the stream is closed after the resubscription") { ended.withLock { $0 } }
                reader.cancel()
            }
        }
    }

    @Test func aStockChangeOnOneInstanceWakesTheStockStreamsOfAnother() async throws {
        try await withRedisClient { (client, _) async throws in
            try await withTwoBuses(client) { first, second in
                let signalsA = StockChangeSignals()
                let signalsB = StockChangeSignals()
                signalsA.relay { first.send(.stock, $0) }
                second.on(.stock) { signalsB.deliver(saleID: $0) }
                let woken = Mutex(false)
                let observer = Task {
                    for await _ in signalsB.observe(saleID: "sale-1") { woken.withLock { $0 = true } }
                }
                try await eventually("B's observer is woken by A's change") {
                    signalsA.changed(saleID: "sale-1")
                    try await Task.sleep(for: .milliseconds(20))
                    return woken.withLock { $0 }
                }
                observer.cancel()
            }
        }
    }

    /// Cluster mode keeps its in-memory copies: instance B answers a session from memory, and forgets it once A's
    /// sign-out is announced over Redis — each instance with its own client, channel and connection to the one file.
    @Test func aSignOutOnOneInstanceReachesTheOthersKeptSessionsOverRedis() async throws {
        let fixture = try TwoProcessFixture()
        defer { fixture.close() }
        try await withRedisServer { server in
            let partsA = ClusterParts(redis: server.configuration, clock: fixture.clock, logger: Logger(label: "a"))
            let partsB = ClusterParts(redis: server.configuration, clock: fixture.clock, logger: Logger(label: "b"))
            partsA.connect(fixture.server)
            partsB.connect(fixture.other)
            let accountsB = TwoProcessFixture.accounts(on: fixture.other, clock: fixture.clock)
            let user = try await fixture.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
            let session = try await fixture.accounts.startSession(for: user)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await partsA.bus.run() }
                group.addTask { try await partsB.bus.run() }
                defer { group.cancelAll() }
                try await eventually("both instances are subscribed") {
                    (try await partsA.client.send(["PUBSUB", "NUMSUB", "klelite:events:commits"])).array?.last?.int == 2
                        && fixture.other.relay.withLock({ $0 })?.isChannelUp == true
                }
                // Kept: the next request asks no SQLite. (Read until kept: the subscription's own forget-everything may
                // land just after the channel is marked up.)
                try await eventually("B keeps the session") {
                    try await accountsB.identity(userID: user.id, sessionID: session.sessionID) != nil && accountsB.openSessions.count == 1
                }
                try await fixture.accounts.endSession(id: session.sessionID)
                try await eventually("B forgets the ended session") {
                    try await accountsB.identity(userID: user.id, sessionID: session.sessionID) == nil
                }
            }
            await partsA.client.close()
            await partsB.client.close()
        }
    }
}
