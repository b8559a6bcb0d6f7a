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

    /// A header's unstructured text (a subject, a display name): every control byte but the tab (CR and LF among them)
    /// becomes a space, so the value stays on its header's line. Then plain ASCII stays as it is, and anything else
    /// becomes RFC 2047 base64 encoded-words of at most 42 bytes each (68 characters: RFC 2047 allows 75, and
    /// `Subject: ` and the first word fit RFC 5322's 78), cut between characters and folded onto lines of their own.
    ///
    /// By bytes: Foundation's `replacingOccurrences(of: "\n", ...)` compared characters through NSString and missed
    /// a line feed followed by a combining mark (`"x\n\u{301}"` kept it, inside the encoded-word), and its two bridges were
    /// 5 % of an email's CPU (bench/PROFILES.md, sixteenth round).
    static func encodedHeader(_ value: some StringProtocol) -> String {
        let (bytes, ascii) = oneLine(value)
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        var words: [String] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = min(start + encodedWordBytes, bytes.endIndex)
            while end < bytes.endIndex, end > start + 1, bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
            words.append("=?UTF-8?B?\(Data(bytes[start..<end]).base64EncodedString())?=")
            start = end
        }
        return words.joined(separator: "\r\n ")
    }

    /// The most bytes of text one encoded-word carries (see ``encodedHeader(_:)``).
    static let encodedWordBytes = 42

    /// A mailbox for the From and To headers, `Name <address>` or a bare address, on one line (control bytes as
    /// spaces): a non-ASCII display name (a bakery's own name, often) as encoded-words, any quotes around it dropped;
    /// the address as it is, never encoded (RFC 2047 words are not allowed in an address).
    static func encodedMailbox(_ value: String) -> String {
        guard value.hasSuffix(">"), let open = value.lastIndex(of: "<") else { return String(decoding: oneLine(value).bytes, as: UTF8.self) }
        let address = String(decoding: oneLine(value[open...]).bytes, as: UTF8.self)
        var name = String(value[..<open]).trimmedOfWhitespace[...]
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\""), !name.utf8.allSatisfy({ $0 < 0x80 }) { name = name.dropFirst().dropLast() }
        return name.isEmpty ? address : "\(encodedHeader(name)) \(address)"
    }

    /// The value's UTF-8 with every control byte but the tab as a space, and whether it is all ASCII.
    private static func oneLine(_ value: some StringProtocol) -> (bytes: [UInt8], ascii: Bool) {
        var bytes = Array(value.utf8)
        var ascii = true
        for index in bytes.indices {
            switch bytes[index] {
            case 0x00...0x08, 0x0A...0x1F, 0x7F: bytes[index] = 0x20
            case 0x80...: ascii = false
            default: break
            }
        }
        return (bytes, ascii)
    }
}

/// Sends email. The file mailer writes `.eml` files; the SMTP mailer talks to a real server.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws
}
