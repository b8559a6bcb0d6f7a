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

    /// Plain ASCII stays as it is; anything else becomes an RFC 2047 base64 encoded-word.
    static func encodedHeader(_ value: String) -> String {
        let clean = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII }) { return clean }
        return "=?UTF-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }
}

/// Sends email. The file mailer writes `.eml` files; the SMTP mailer talks to a real server.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws
}
