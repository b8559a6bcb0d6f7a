import Foundation
import GRDB
import Testing

@testable import Storage

/// An order's emails, as the customer gets them: one per event, each with the order's lines and amounts and the status of
/// its own event — written when their jobs run, from the stored order and customer: the order's transaction stores only
/// which order and which event (``OrderEmailJob``).
@Suite struct OrderEmailTests {
    /// Workers over the fixture's email queue, sending to a recording mailer.
    private func mailing(_ fixture: OrderFixture) -> (workers: JobWorkers, mailer: RecordingMailer) {
        let mailer = RecordingMailer()
        let handler = EmailJobHandler(database: fixture.database, mailer: mailer, clock: fixture.sales.clock, shopURL: "https://klelite.vn")
        return (JobWorkers(queue: fixture.jobs, handlers: [handler], queues: [.init(name: EmailJob.queue, concurrency: 1)]), mailer)
    }

    @Test func eachEventOfAnOrderIsEmailedWithItsLinesAmountsAndOwnStatus() async throws {
        let fixture = try OrderFixture()
        let admin = try await fixture.catalog.admin()
        let lan = try await fixture.catalog.customer()
        try await fixture.setStock("croissant-bo-phap", 5)
        let croissant = try await fixture.product("croissant-bo-phap")
        let banhMi = try await fixture.product("banh-mi-hoa-cuc")
        _ = try await fixture.carts.add(.user(lan.user.id), productID: croissant.id, quantity: 2)
        _ = try await fixture.carts.add(.user(lan.user.id), productID: banhMi.id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        // Two changes before any email goes out: each email still tells of its own event, not of the order's status now.
        for status in [OrderStatus.confirmed, .preparing] { _ = try await fixture.orders.changeStatus(orderID: order.id, to: status, by: admin) }
        let (workers, mailer) = mailing(fixture)
        try await workers.drain(queue: EmailJob.queue)

        // The lines in the order's own order (the cart's), each as "- quantity × name: amount".
        let amounts = [
            croissant.id: "- 2 × \(croissant.name): \(OrderService.money(2 * croissant.price))",
            banhMi.id: "- 1 × \(banhMi.name): \(OrderService.money(banhMi.price))",
        ]
        #expect(order.lines.count == 2)
        let lines = order.lines.compactMap { amounts[$0.productId] }.joined(separator: "\n")
        func expected(_ template: EmailTemplate, _ status: OrderStatus) throws -> MailMessage {
            try template.render(
                id: "order-\(order.id)-\(status.rawValue)",
                to: "lan@example.vn",
                values: [
                    "name": "Lan", "code": order.code, "lines": lines, "total": OrderService.money(order.total), "paymentMethod": "cod",
                    "statusLabel": status.label, "statusLabelEn": status.englishLabel,
                    "orderURL": "https://klelite.vn/orders.html#\(order.id)",
                ]
            )
        }
        let byID = Dictionary(grouping: mailer.messages.filter { $0.id.hasPrefix("order-") }, by: \.id)
        #expect(byID.count == 3 && byID.values.allSatisfy { $0.count == 1 }, "three events, each emailed once")
        let sent = byID.mapValues { $0[0] }
        #expect(sent["order-\(order.id)-pending"] == (try expected(.orderConfirmation, .pending)))
        #expect(sent["order-\(order.id)-confirmed"] == (try expected(.orderStatus, .confirmed)))
        #expect(sent["order-\(order.id)-preparing"] == (try expected(.orderStatus, .preparing)))
        #expect(sent["order-\(order.id)-preparing"]?.textBody.contains(order.code) == true)
    }

    @Test func anEventAlreadyEmailedIsNotSentAgain() async throws {
        let fixture = try OrderFixture()
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: try await fixture.product("croissant-bo-phap").id, quantity: 1)
        let order = try await fixture.orders.place(by: lan, CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod), idempotencyKey: nil)
        // Sent once already (the job's completion was lost): the retry completes without a second email.
        try await fixture.database.write { db in
            try db.execute(sql: "INSERT INTO sentEmail (messageId, sentAt) VALUES (?, ?)", arguments: ["order-\(order.id)-pending", Date()])
        }
        let (workers, mailer) = mailing(fixture)
        try await workers.drain(queue: EmailJob.queue)
        #expect(!mailer.messages.contains { $0.id.hasPrefix("order-") })
        let completed = try await fixture.jobs.list(status: .completed, queue: EmailJob.queue, page: PageRequest()).items
        #expect(completed.filter { $0.kind == OrderEmailJob.kind }.count == 1)
    }

    @Test func aJobForAnOrderThatIsNotThereOrThatCannotBeReadFailsForGood() async throws {
        let fixture = try OrderFixture()
        try await fixture.jobs.enqueue(
            OrderEmailJob(orderID: "no-such-order", status: .pending, template: .orderConfirmation).request(priority: 5)
        )
        try await fixture.jobs.enqueue(try JobRequest(queue: EmailJob.queue, kind: OrderEmailJob.kind, payload: ["orderId": 7]))
        let (workers, mailer) = mailing(fixture)
        #expect(try await workers.drain(queue: EmailJob.queue) == 2)
        #expect(mailer.messages.isEmpty)
        let dead = try await fixture.jobs.list(status: .dead, queue: EmailJob.queue, page: PageRequest()).items
        #expect(dead.count == 2)
        #expect(dead.allSatisfy { $0.attempts == 1 }, "failed for good on the first attempt, not retried")
    }
}
