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

    /// Any subject in a whole message: the header section is the eight fields and nothing else, with no CR or LF but
    /// the lines' own; an encoded subject's lines are at most 78 characters. Plain ASCII is itself with each control byte (but the tab) a space, and anything else is encoded-words
    /// of at most 75 characters that decode to the text with each control byte a space.
    @Test func anySubjectStaysInItsHeaderAndDecodesToItself() async {
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", " ", "\t", "=", "?", "\r", "\n", "\u{0}", "\u{1B}", "\u{7F}", "\u{301}", "é", "ư", "🥐", "\u{85}", "\u{2028}",
        ]
        await propertyCheck(input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...80)) { picks in
            var subject = ""
            for pick in picks { subject.unicodeScalars.append(alphabet[pick]) }
            let cleaned = String(decoding: subject.utf8.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
            let message = MailMessage(id: "m1", to: "a@b.vn", subject: subject, textBody: "x")
            var lines = Self.crlfLines(message.renderedBytes(from: "Shop <s@x.vn>", date: Date()))
            lines = Array(lines.prefix { !$0.isEmpty })  // the header section
            let fields = lines.filter { $0.first != 0x20 }.map { String(decoding: $0.prefix { $0 != 0x3A }, as: UTF8.self) }
            #expect(fields == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
            #expect(lines.allSatisfy { !$0.contains(0x0D) && !$0.contains(0x0A) })
            let header = MailMessage.encodedHeader(subject)
            guard let subjectAt = lines.firstIndex(where: { $0.starts(with: Array("Subject: ".utf8)) }) else {
                Issue.record("no Subject line")
                return
            }
            let subjectLines = [lines[subjectAt]] + lines[(subjectAt + 1)...].prefix { $0.first == 0x20 }
            #expect(Array(subjectLines.joined(separator: [0x0D, 0x0A])) == Array("Subject: \(header)".utf8))
            if subject.utf8.allSatisfy({ $0 < 0x80 }) {
                #expect(header == cleaned)
            } else {
                #expect(subjectLines.allSatisfy { $0.count <= 78 })
                #expect(Self.decodedWords(header) == cleaned)
            }
        }
    }

    /// A long subject in Vietnamese: folded into encoded-words of at most 75 characters, none splitting a character.
    @Test func aLongSubjectIsFoldedIntoShortEncodedWords() {
        let subject = "Đơn hàng KL-20261203-0042 của bạn đã được xác nhận và đang được chuẩn bị tại tiệm bánh Cô Ba"
        let header = MailMessage.encodedHeader(subject)
        let words = header.components(separatedBy: "\r\n ")
        #expect(words.count > 2)
        #expect(words.allSatisfy { $0.utf8.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        #expect(words.allSatisfy { Self.decodedWords($0) != nil })  // each word alone is whole characters
        #expect(Self.decodedWords(header) == subject)
    }

    /// From and To: a non-ASCII display name is encoded-words (its quotes dropped), the address never is, and an ASCII
    /// mailbox is as it was; a control byte is a space.
    @Test func mailboxesEncodeTheirDisplayNameOnly() {
        #expect(MailMessage.encodedMailbox("KLeLite <no-reply@klelite.local>") == "KLeLite <no-reply@klelite.local>")
        #expect(MailMessage.encodedMailbox("\"Shop, Inc\" <s@x.vn>") == "\"Shop, Inc\" <s@x.vn>")
        #expect(MailMessage.encodedMailbox("lan@b.vn") == "lan@b.vn")
        #expect(MailMessage.encodedMailbox("lan@b.vn\r\nBcc: evil@x.com") == "lan@b.vn  Bcc: evil@x.com")
        let name = "=?UTF-8?B?\(Data("Bánh Mì Cô Ba".utf8).base64EncodedString())?="
        #expect(MailMessage.encodedMailbox("Bánh Mì Cô Ba <shop@banhmi.vn>") == "\(name) <shop@banhmi.vn>")
        #expect(MailMessage.encodedMailbox("\"Bánh Mì Cô Ba\" <shop@banhmi.vn>") == "\(name) <shop@banhmi.vn>")
        let rendered = MailMessage(to: "a@b.vn", subject: "Hi", textBody: "x").rendered(from: "Bánh Mì Cô Ba <shop@banhmi.vn>", date: Date())
        #expect(rendered.hasPrefix("From: \(name) <shop@banhmi.vn>\r\nTo: a@b.vn\r\n"))
        #expect(rendered.contains("Message-ID: <") && rendered.contains("@banhmi.vn>\r\n"))
    }

    /// The lines of a message's bytes, split at each CRLF.
    static func crlfLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0D, index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A {
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(bytes[start...])
        return lines
    }

    /// The text of encoded-words folded with CRLF and a space, or nil when one is not a whole UTF-8 base64 word.
    static func decodedWords(_ header: String) -> String? {
        var bytes: [UInt8] = []
        for word in header.components(separatedBy: "\r\n ") {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else {
                return nil
            }
            guard String(validating: data, as: UTF8.self) != nil else { return nil }
            bytes.append(contentsOf: data)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
