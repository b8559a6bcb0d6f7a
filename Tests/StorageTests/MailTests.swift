import Foundation
import PropertyBased
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
        // A line feed followed by a combining mark is a line feed all the same (Foundation's character search kept it).
        let spaced = Data("x \u{301}Bcc: evil@x.com".utf8).base64EncodedString()
        #expect(MailMessage.encodedHeader("x\n\u{301}Bcc: evil@x.com") == "=?UTF-8?B?\(spaced)?=")
        #expect(MailMessage.encodedHeader("Hi\r\nBcc: evil@x.com") == "Hi  Bcc: evil@x.com")
    }

    /// Any subject: the header holds no CR or LF, plain ASCII is itself with each CR and LF a space, and anything else is
    /// an encoded-word that decodes to the text with each CR and LF a space.
    @Test func anEncodedSubjectIsOneLineThatDecodesToTheSubject() async {
        let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "=", "?", "\r", "\n", "\u{301}", "é", "ư", "🥐", "\u{0}", "\u{85}", "\u{2028}"]
        await propertyCheck(input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...20)) { picks in
            var subject = ""
            for pick in picks { subject.unicodeScalars.append(alphabet[pick]) }
            let cleaned = String(decoding: subject.utf8.map { $0 == 0x0D || $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self)
            let header = MailMessage.encodedHeader(subject)
            #expect(!header.utf8.contains(0x0D) && !header.utf8.contains(0x0A))
            if subject.utf8.allSatisfy({ $0 < 0x80 }) {
                #expect(header == cleaned)
            } else {
                #expect(header.hasPrefix("=?UTF-8?B?") && header.hasSuffix("?="))
                let encoded = header.dropFirst(10).dropLast(2)
                #expect(Data(base64Encoded: String(encoded)).map { String(decoding: $0, as: UTF8.self) } == cleaned)
            }
        }
    }
}
