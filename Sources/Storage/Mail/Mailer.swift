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
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? "klelite.local"
        var headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.encodedHeader(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@\(domain)>",
            "MIME-Version: 1.0",
        ]
        let part = { (type: String, body: String) in
            "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\(Self.crlf(body))\r\n"
        }
        guard let htmlBody else {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: 8bit")
            return headers.joined(separator: "\r\n") + "\r\n\r\n" + Self.crlf(textBody) + "\r\n"
        }
        let boundary = "=_klelite_\(id.filter { $0.isLetter || $0.isNumber })"
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        return headers.joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\n" + part("text/plain", textBody)
            + "--\(boundary)\r\n" + part("text/html", htmlBody)
            + "--\(boundary)--\r\n"
    }

    /// Every line break as CRLF, as RFC 5322 requires.
    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
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
