import Foundation
import Mustache
import Testing

@testable import Storage

/// The hand-written parts of an email's rendering against what they replace: `DateFormatter` for the `Date:` header,
/// Foundation's string replacements for the line endings, the message joined from strings, a template parsed per email.
@Suite struct MailRenderingTests {
    @Test func dateHeaderIsWhatTheFormatterWrites() {
        let formatter = MailDate.formatter()
        var dates = [0, -1, 59, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, 1_796_000_000.75, -0.25, 253_402_300_799]
            .map { Date(timeIntervalSince1970: $0) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Years 1800-2200, with fractions of a second.
            let seconds = Double(Int64(state >> 20) % 12_600_000_000_000) / 1_000 - 5_364_662_400
            dates.append(Date(timeIntervalSince1970: seconds))
        }
        // Just below a whole second, where the formatter's rounding to the millisecond carries into the next second;
        // and years around the Gregorian reform, before which ICU counts Julian days.
        for second in [0.0, -1, 59, 86_399, 1_796_000_000, -12_219_292_800, -12_219_292_801, -12_244_000_000, -50_000_000_000] {
            for fraction in [0.0004, 0.0005, 0.00051, 0.9994, 0.9995, 0.99951, 0.9999, 0.99999] {
                dates.append(Date(timeIntervalSince1970: second + fraction))
                dates.append(Date(timeIntervalSince1970: second - fraction))
            }
        }
        for date in dates {
            #expect(MailDate.string(date) == formatter.string(from: date), "at \(date.timeIntervalSince1970)")
        }
    }

    @Test func renderedBytesAreTheJoinedStringsOfBefore() {
        let bodies = ["Xin chào\nLan", "a\r\nb\nc\rd", "\r\r\n\n\r", "ends with CR\r", "", "\n", "Bánh mì · 30.000 ₫\r\n\r\n.dot line"]
        for (index, body) in bodies.enumerated() {
            for html in [nil, "<p>\(body)</p>\n<p>Đơn</p>"] {
                let message = MailMessage(
                    id: "order-\(index)-pending",
                    to: "lan@example.vn",
                    subject: "Đơn KL-\(index)\r\nBcc: x",
                    textBody: body,
                    htmlBody: html
                )
                for from in ["KLeLite <no-reply@klelite.vn>", "shop@x.vn", "no-at-sign", " a@b@c.vn> "] {
                    let date = Date(timeIntervalSince1970: 1_796_000_000 + Double(index))
                    let bytes = message.renderedBytes(from: from, date: date)
                    #expect(String(decoding: bytes, as: UTF8.self) == LegacyMailRendering.rendered(message, from: from, date: date))
                    #expect(message.rendered(from: from, date: date) == String(decoding: bytes, as: UTF8.self))
                }
            }
        }
    }

    @Test func compiledTemplatesRenderLikeFreshlyParsedOnes() throws {
        #expect(Set(EmailTemplate.compiled.keys) == Set(EmailTemplate.allCases))
        let values = [
            "name": "<b>Lan</b> & co", "code": "KL-20261130-0001", "lines": "- 2 × Bánh: 60.000 ₫", "total": "90.000 ₫", "paymentMethod": "cod",
            "statusLabel": "Đã xác nhận", "statusLabelEn": "Confirmed", "orderURL": "https://shop/orders.html#1", "shopURL": "https://shop",
            "link": "https://shop/reset#t", "minutes": "30",
        ]
        for template in EmailTemplate.allCases {
            let message = try template.render(id: "m-\(template.rawValue)", to: "a@b.vn", values: values)
            let english = #"<hr><div lang="en">\#(template.englishHTML)</div></body></html>"#
            let html = template.html.replacingOccurrences(of: "</body></html>", with: english)
            #expect(message.subject == (try MustacheTemplate(string: template.subject).render(values)))
            #expect(message.textBody == (try MustacheTemplate(string: template.text + "\n\n----------\n\n" + template.englishText).render(values)))
            #expect(message.htmlBody == (try MustacheTemplate(string: html).render(values)))
        }
    }

    @Test func outboxFileIsWrittenWholeAndReplacedWithoutLeftovers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)/nested").path
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let first = Array("first\r\n".utf8), second = Array(String(repeating: "Bánh mì\r\n", count: 20_000).utf8)
        try OutboxFile.store(first, directory: directory, name: "m1")
        #expect(FileManager.default.contents(atPath: directory + "/m1.eml") == Data(first))
        try OutboxFile.store(second, directory: directory, name: "m1")
        #expect(FileManager.default.contents(atPath: directory + "/m1.eml") == Data(second))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["m1.eml"])
    }
}

/// How `MailMessage.rendered` built a message before it was written into bytes: the reference the bytes must equal.
enum LegacyMailRendering {
    static func rendered(_ message: MailMessage, from: String, date: Date) -> String {
        let domain = from.split(separator: "@").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? "klelite.local"
        var headers = [
            "From: \(from)",
            "To: \(message.to)",
            "Subject: \(MailMessage.encodedHeader(message.subject))",
            "Date: \(MailDate.formatter().string(from: date))",
            "Message-ID: <\(message.id)@\(domain)>",
            "MIME-Version: 1.0",
        ]
        let part = { (type: String, body: String) in
            "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\(crlf(body))\r\n"
        }
        guard let htmlBody = message.htmlBody else {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: 8bit")
            return headers.joined(separator: "\r\n") + "\r\n\r\n" + crlf(message.textBody) + "\r\n"
        }
        let boundary = "=_klelite_\(message.id.filter { $0.isLetter || $0.isNumber })"
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        return headers.joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\n" + part("text/plain", message.textBody)
            + "--\(boundary)\r\n" + part("text/html", htmlBody)
            + "--\(boundary)--\r\n"
    }

    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }
}
