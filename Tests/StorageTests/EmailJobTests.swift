import Foundation
import Synchronization
import Testing

@testable import Storage

/// A mailer that fails while told to, then delivers.
final class FlakyMailer: Mailer {
    private let state = Mutex<(failuresLeft: Int, sent: [MailMessage])>((0, []))

    init(failures: Int) {
        state.withLock { $0.failuresLeft = failures }
    }

    var sent: [MailMessage] { state.withLock { $0.sent } }

    func send(_ message: MailMessage) async throws {
        try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw SMTPError(code: 451, message: "try again later")
            }
            state.sent.append(message)
        }
    }
}

@Suite struct EmailJobTests {
    @Test func registrationQueuesAWelcomeEmailInTheSameTransaction() async throws {
        let fixture = try AccountFixture()
        _ = try await fixture.registerCustomer()
        #expect(fixture.mailer.messages.isEmpty)
        let mail = try await fixture.deliveredMail()
        #expect(mail.count == 1 && mail[0].subject == EmailTemplate.welcome.subject && mail[0].to == "lan@example.vn")
        #expect(mail[0].textBody.contains("Xin chào Lan"))
        // A refused registration (duplicate email) leaves no job behind.
        _ = try? await fixture.registerCustomer("LAN@example.vn")
        #expect(try await fixture.jobs.counts() == [.completed: 1])
    }

    @Test func everyEmailSpeaksVietnameseThenEnglish() throws {
        let values = [
            "name": "Lan <3", "shopURL": "https://klelite.vn", "link": "https://klelite.vn/r", "minutes": "30", "code": "KL-20261130-0001",
            "lines": "- 1 × Croissant", "total": "45.000 ₫", "paymentMethod": "cod", "orderURL": "https://klelite.vn/orders.html#1",
            "statusLabel": OrderStatus.shipping.label, "statusLabelEn": OrderStatus.shipping.englishLabel,
        ]
        for template in EmailTemplate.allCases {
            let mail = try template.render(id: "m", to: "lan@example.vn", values: values)
            let vietnamese = try #require(mail.textBody.range(of: "Xin chào Lan <3"))
            let english = try #require(mail.textBody.range(of: "Hello Lan <3"))
            #expect(vietnamese.lowerBound < english.lowerBound, "\(template)")
            #expect(mail.subject.contains(" · "), "\(template)")
            let html = try #require(mail.htmlBody)
            #expect(html.contains(#"<div lang="en"><p>Hello Lan &lt;3,</p>"#), "\(template)")
            #expect(!html.contains("Lan <3"), "\(template): user text must be escaped in HTML")
        }
        let status = try EmailTemplate.orderStatus.render(id: "m", to: "lan@example.vn", values: values)
        #expect(status.subject == "Đơn KL-20261130-0001: đang giao · Order KL-20261130-0001: out for delivery")
    }

    /// The send succeeded but recording the job's completion failed: the retry must not send again.
    @Test func aRetryAfterASuccessfulSendDoesNotSendTwice() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock)
        let mailer = RecordingMailer()
        let handler = EmailJobHandler(database: database, mailer: mailer, clock: clock, shopURL: "https://shop.example")
        try await queue.enqueue(try EmailJob(to: "lan@example.vn", template: .welcome, values: ["name": "Lan", "shopURL": "x"]).request())
        let first = try #require(try await queue.claim(queue: EmailJob.queue))
        try await handler.run(first)
        // The worker dies before `complete` commits; the lease runs out and the job is claimed again.
        clock.advance(by: queue.settings.leaseDuration + 1)
        let second = try #require(try await queue.claim(queue: EmailJob.queue))
        #expect(second.id == first.id && second.attempts == 2)
        try await handler.run(second)
        #expect(try await queue.complete(second, scrubPayload: true))
        #expect(mailer.messages.count == 1)
    }

    /// After the send a worker's email commits once: its `sentEmail` row together with the job's completion.
    @Test func anEmailsSentRecordAndItsCompletionCommitTogether() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock)
        let mailer = RecordingMailer()
        let workers = JobWorkers(
            queue: queue,
            handlers: [EmailJobHandler(database: database, mailer: mailer, clock: clock, shopURL: "https://shop.example")],
            queues: [.init(name: EmailJob.queue, concurrency: 1)]
        )
        let email = EmailJob(messageID: "welcome-7", to: "lan@example.vn", template: .welcome, values: ["name": "Lan", "shopURL": "x"])
        try await queue.enqueue(try email.request())
        let claimed = try await queue.claim(queue: EmailJob.queue, limit: 1)
        let commits = CommitCounter()
        try await database.writer.write { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        let before = commits.count
        #expect(await workers.process(batch: claimed).ran == 1)
        #expect(commits.count - before == 1, "the sentEmail row and the completion, in one transaction")
        let done = try await queue.list(status: .completed, queue: nil, page: PageRequest()).items
        #expect(done.count == 1 && done[0].payload == "{}" && done[0].leaseToken == nil)
        let recorded = try await database.read { db in try String.fetchAll(db, sql: "SELECT messageId FROM sentEmail") }
        #expect(recorded == ["welcome-7"] && mailer.messages.count == 1)
    }

    /// The claim expired during the send and another worker took the job: the send is still recorded (the completion in
    /// its transaction changes nothing), so the new claim sends nothing and its worker completes the job.
    @Test func aSendUnderAnExpiredClaimIsRecordedAndNotRepeated() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock)
        let mailer = RecordingMailer()
        let handler = EmailJobHandler(database: database, mailer: mailer, clock: clock, shopURL: "https://shop.example")
        let workers = JobWorkers(queue: queue, handlers: [handler], queues: [.init(name: EmailJob.queue, concurrency: 1)])
        try await queue.enqueue(try EmailJob(to: "lan@example.vn", template: .welcome, values: ["name": "Lan", "shopURL": "x"]).request())
        let first = try #require(try await queue.claim(queue: EmailJob.queue))
        clock.advance(by: queue.settings.leaseDuration + 1)
        let second = try #require(try await queue.claim(queue: EmailJob.queue))
        let stale = JobCompletion(queue: queue, job: first, scrubPayload: true)
        try await handler.run(first, completion: stale)
        #expect(stale.outcome == false && mailer.messages.count == 1)
        #expect(try await queue.counts() == [.running: 1])
        #expect(await workers.process(batch: [second]).ran == 1)
        #expect(mailer.messages.count == 1)
        let done = try await queue.list(status: .completed, queue: nil, page: PageRequest()).items
        #expect(done.count == 1 && done[0].attempts == 2)
    }

    @Test func transientFailuresRetryWithTheSameMessageIDAndPermanentOnesDie() async throws {
        let database = try AppDatabase.inMemory()
        let clock = ManualClock()
        let queue = JobQueue(database: database, clock: clock, jitter: { 1 })
        let mailer = FlakyMailer(failures: 2)
        let workers = JobWorkers(
            queue: queue,
            handlers: [EmailJobHandler(database: database, mailer: mailer, clock: clock, shopURL: "https://shop.example")],
            queues: [.init(name: EmailJob.queue, concurrency: 1)]
        )
        let job = EmailJob(
            messageID: "reset-42",
            to: "lan@example.vn",
            template: .passwordReset,
            values: ["name": "Lan", "link": "https://x/#token=t", "minutes": "30"]
        )
        try await queue.enqueue(try job.request())
        #expect(try await workers.drain(queue: EmailJob.queue) == 1)  // 451
        clock.advance(by: 5)
        #expect(try await workers.drain(queue: EmailJob.queue) == 1)  // 451 again
        clock.advance(by: 10)
        #expect(try await workers.drain(queue: EmailJob.queue) == 1)  // delivered
        #expect(mailer.sent.map(\.id) == ["reset-42"])
        let done = try await queue.list(status: .completed, queue: nil, page: PageRequest()).items
        #expect(done.count == 1 && done[0].attempts == 3 && done[0].payload == "{}")

        let refused = JobQueue(database: try AppDatabase.inMemory(), clock: clock)
        let permanent = JobWorkers(
            queue: refused,
            handlers: [EmailJobHandler(database: refused.database, mailer: RefusingMailer(), clock: clock, shopURL: "https://shop.example")],
            queues: [.init(name: EmailJob.queue, concurrency: 1)]
        )
        try await refused.enqueue(try job.request())
        try await permanent.drain(queue: EmailJob.queue)
        let dead = try await refused.list(status: .dead, queue: nil, page: PageRequest()).items
        #expect(dead.count == 1 && dead[0].lastError?.contains("550") == true && dead[0].attempts == 1)
    }

    @Test func templatesRenderBothPartsAndEscapeHTML() throws {
        let message = try EmailTemplate.welcome.render(id: "m1", to: "a@b.vn", values: ["name": "<b>Lan</b> & co", "shopURL": "https://shop"])
        #expect(message.textBody.contains("Xin chào <b>Lan</b> & co"))
        #expect(message.htmlBody?.contains("&lt;b&gt;Lan&lt;/b&gt; &amp; co") == true)
        let rendered = message.rendered(from: "KLeLite <no-reply@klelite.vn>", date: Date(timeIntervalSince1970: 0))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary=\"=_klelite_m1\""))
        #expect(rendered.contains("--=_klelite_m1\r\nContent-Type: text/plain; charset=utf-8"))
        #expect(rendered.contains("--=_klelite_m1\r\nContent-Type: text/html; charset=utf-8"))
        #expect(rendered.hasSuffix("--=_klelite_m1--\r\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func smtpDotStuffingAndAddresses() {
        #expect(SMTPMailer.dotStuffed("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n")
        #expect(SMTPMailer.dotStuffed(".") == "..\r\n")
        #expect(SMTPMailer.address("KLeLite <no-reply@klelite.vn>") == "no-reply@klelite.vn")
        #expect(SMTPMailer.address(" shop@x.vn ") == "shop@x.vn")
    }
}

/// A mailer whose server refuses the mailbox for good.
struct RefusingMailer: Mailer {
    func send(_ message: MailMessage) async throws {
        throw SMTPError(code: 550, message: "mailbox unavailable")
    }
}
