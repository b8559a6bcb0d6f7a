import Foundation

/// One email the shop sends.
public struct MailMessage: Sendable, Equatable {
    /// Stable identity of this message; a mailer that sees the same id twice sends it once.
    public var id: String
    public var to: String
    public var subject: String
    public var textBody: String

    public init(id: String = UUID().uuidString.lowercased(), to: String, subject: String, textBody: String) {
        self.id = id
        self.to = to
        self.subject = subject
        self.textBody = textBody
    }

    /// The message as RFC 5322 text with CRLF line endings, UTF-8 body, RFC 2047 subject when needed.
    public func rendered(from: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? "klelite.local"
        let headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.encodedHeader(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = textBody.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
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
