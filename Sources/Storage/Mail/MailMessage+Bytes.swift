import Foundation

extension MailMessage {
    /// The message as RFC 5322 bytes with CRLF line endings, UTF-8 body, RFC 2047 subject when needed: what
    /// ``rendered(from:date:)`` returns, written straight into one buffer (the file mailer writes it as it is).
    public func renderedBytes(from: String, date: Date) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + 2 * (textBody.utf8.count + (htmlBody?.utf8.count ?? 0)))
        Self.header("From: ", Self.encodedMailbox(from), to: &out)
        Self.header("To: ", Self.encodedMailbox(to), to: &out)
        Self.header("Subject: ", Self.encodedHeader(subject), to: &out)
        Self.append("Date: ", to: &out)
        MailDate.append(date, to: &out)
        Self.append("\r\n", to: &out)
        Self.append("Message-ID: <", to: &out)
        out.append(contentsOf: id.utf8)
        out.append(0x40)  // "@"
        out.append(contentsOf: Self.domain(of: from).utf8)
        Self.append(">\r\nMIME-Version: 1.0\r\n", to: &out)
        guard let htmlBody else {
            Self.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", to: &out)
            Self.appendCRLF(textBody, to: &out)
            Self.append("\r\n", to: &out)
            return out
        }
        var boundary: [UInt8] = []
        Self.append("=_klelite_", to: &boundary)
        for character in id where character.isLetter || character.isNumber { boundary.append(contentsOf: character.utf8) }
        Self.append("Content-Type: multipart/alternative; boundary=\"", to: &out)
        out.append(contentsOf: boundary)
        Self.append("\"\r\n\r\n", to: &out)
        for (type, body) in [("text/plain", textBody), ("text/html", htmlBody)] {
            Self.append("--", to: &out)
            out.append(contentsOf: boundary)
            Self.append("\r\nContent-Type: ", to: &out)
            out.append(contentsOf: type.utf8)
            Self.append("; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", to: &out)
            Self.appendCRLF(body, to: &out)
            Self.append("\r\n", to: &out)
        }
        Self.append("--", to: &out)
        out.append(contentsOf: boundary)
        Self.append("--\r\n", to: &out)
        return out
    }

    /// Appends `text` with every line break as CRLF, as RFC 5322 requires: a lone LF becomes CRLF, a CRLF stays one
    /// CRLF, a lone CR stays as it is.
    static func appendCRLF(_ text: String, to out: inout [UInt8]) {
        var pendingCR = false
        for byte in text.utf8 {
            if pendingCR {
                pendingCR = false
                if byte != 0x0A { out.append(0x0D) }
            }
            switch byte {
            case 0x0D: pendingCR = true
            case 0x0A: out.append(contentsOf: [0x0D, 0x0A] as [UInt8])
            default: out.append(byte)
            }
        }
        if pendingCR { out.append(0x0D) }
    }

    /// The domain of the Message-ID: what follows the last "@" of the sender, without angle brackets or spaces.
    static func domain(of from: String) -> Substring {
        guard var domain = from.split(separator: "@").last else { return "klelite.local" }
        while let first = domain.first, first == ">" || first == " " { domain = domain.dropFirst() }
        while let last = domain.last, last == ">" || last == " " { domain = domain.dropLast() }
        return domain
    }

    private static func header(_ name: StaticString, _ value: String, to out: inout [UInt8]) {
        append(name, to: &out)
        out.append(contentsOf: value.utf8)
        append("\r\n", to: &out)
    }

    private static func append(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}
