import Foundation
import Testing

@testable import Storage

@Suite struct MailTests {
    @Test func fileMailerWritesOneEmlPerMessageIdEvenWhenRetried() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mailer = FileMailer(directory: directory, from: "KLeLite <no-reply@klelite.vn>", clock: ManualClock())
        let message = MailMessage(id: "reset-1", to: "lan@example.vn", subject: "Đặt lại mật khẩu", textBody: "Xin chào\nLan")
        try await mailer.send(message)
        try await mailer.send(message)
        let delivered = try mailer.deliveredMessages()
        #expect(delivered.count == 1)
        let text = try #require(delivered.first)
        #expect(text.contains("To: lan@example.vn\r\n"))
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("Message-ID: <reset-1@klelite.vn>"))
        #expect(text.hasSuffix("\r\n\r\nXin chào\r\nLan\r\n"))
    }

    @Test func headerValuesCannotInjectLines() {
        let rendered = MailMessage(to: "a@b.vn", subject: "Hi\r\nBcc: evil@x.com", textBody: "x").rendered(from: "s@x.vn", date: Date())
        #expect(!rendered.contains("\r\nBcc:"))
    }
}
