import Foundation

/// One email the shop sends.
public struct MailMessage: Sendable, Equatable {
    /// Stable identity of this message; a mailer that sees the same id twice sends it once.
    public var id: String
    public var to: String
    public var subject: String
    public var textBody: String
    /// An HTML alternative; when present the message is `multipart/alternative`.
    public var htmlBody: String?

    public init(id: String = UUID().uuidString.lowercased(), to: String, subject: String, textBody: String, htmlBody: String? = nil) {
        self.id = id
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
    }

    /// The message as RFC 5322 text with CRLF line endings, UTF-8 body, RFC 2047 subject when needed.
    public func rendered(from: String, date: Date) -> String {
        String(decoding: renderedBytes(from: from, date: date), as: UTF8.self)
    }

    /// Every CR and LF byte becomes a space, so a value can never start a header line of its own. Then plain ASCII
    /// stays as it is, and anything else becomes an RFC 2047 base64 encoded-word.
    ///
    /// By bytes: Foundation's `replacingOccurrences(of: "\n", ...)` compared characters through NSString and missed
    /// a line feed followed by a combining mark (`"x\n\u{301}"` kept it, inside the encoded-word), and its two bridges were
    /// 5 % of an email's CPU (bench/PROFILES.md, sixteenth round).
    static func encodedHeader(_ value: String) -> String {
        var bytes = Array(value.utf8)
        var ascii = true
        for index in bytes.indices {
            switch bytes[index] {
            case 0x0D, 0x0A: bytes[index] = 0x20
            case 0x80...: ascii = false
            default: break
            }
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        return "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }
}

/// Sends email. The file mailer writes `.eml` files; the SMTP mailer talks to a real server.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws
}
