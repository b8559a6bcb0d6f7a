import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// A failure reported by an SMTP server or on the way to it.
public struct SMTPError: Error, CustomStringConvertible {
    /// The reply code, or nil for connection and protocol failures.
    public let code: Int?
    public let message: String

    /// 5xx replies mean the message will never be accepted as sent; everything else may succeed later.
    public var isPermanent: Bool { (code ?? 0) >= 500 }

    public var description: String { code.map { "SMTP \($0): \(message)" } ?? "SMTP: \(message)" }
}

/// Delivers mail to an SMTP server over SwiftNIO: EHLO, optional STARTTLS (swift-nio-ssl), AUTH PLAIN or
/// LOGIN, MAIL/RCPT/DATA with dot-stuffing, and a deadline on the whole exchange.
///
/// No SMTP client exists among our dependencies, so this one is ours; it speaks just what a shop needs.
public struct SMTPMailer: Mailer {
    public enum Security: Sendable {
        /// No encryption (a relay on localhost).
        case plain
        /// Upgrade with STARTTLS before authenticating; refuse to go on if the server does not offer it.
        case startTLS
    }

    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var security: Security
        public var username: String?
        public var password: String?
        /// `Name <address>` or a bare address.
        public var from: String
        public var heloName: String
        public var timeout: Duration
        /// Extra certificate authorities to trust (PEM file), e.g. a private relay's self-signed CA.
        public var trustedCAFile: String?

        public init(
            host: String,
            port: Int,
            security: Security,
            username: String? = nil,
            password: String? = nil,
            from: String,
            heloName: String = "klelite.local",
            timeout: Duration = .seconds(30),
            trustedCAFile: String? = nil
        ) {
            self.host = host
            self.port = port
            self.security = security
            self.username = username
            self.password = password
            self.from = from
            self.heloName = heloName
            self.timeout = timeout
            self.trustedCAFile = trustedCAFile
        }
    }

    public let settings: Settings
    let clock: any AppClock
    let logger: Logger

    public init(settings: Settings, clock: any AppClock, logger: Logger = Logger(label: "klelite.smtp")) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        let data = message.rendered(from: settings.from, date: clock.now())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.deliver(data, to: message.to) }
            group.addTask {
                try await Task.sleep(for: self.settings.timeout)
                throw SMTPError(code: nil, message: "no answer within \(self.settings.timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func deliver(_ data: String, to recipient: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220)
            var capabilities = try await session.command("EHLO \(settings.heloName)", expect: 250)
            if settings.security == .startTLS {
                guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                    throw SMTPError(code: nil, message: "the server does not offer STARTTLS")
                }
                _ = try await session.command("STARTTLS", expect: 220)
                try await channel.channel.pipeline.addHandler(try makeTLSHandler(), position: .first).get()
                capabilities = try await session.command("EHLO \(settings.heloName)", expect: 250)
            }
            if let username = settings.username, let password = settings.password {
                try await authenticate(&session, capabilities: capabilities, username: username, password: password)
            }
            let eightBit = capabilities.contains { $0.uppercased() == "8BITMIME" } ? " BODY=8BITMIME" : ""
            _ = try await session.command("MAIL FROM:<\(Self.address(settings.from))>\(eightBit)", expect: 250)
            _ = try await session.command("RCPT TO:<\(Self.address(recipient))>", expect: 250, 251)
            _ = try await session.command("DATA", expect: 354)
            try await session.write(Self.dotStuffed(data) + ".\r\n")
            _ = try await session.expect(250)
            _ = try? await session.command("QUIT", expect: 221)
        }
    }

    private func authenticate(_ session: inout SMTPSession, capabilities: [String], username: String, password: String) async throws {
        let mechanisms = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").dropFirst() ?? []
        if mechanisms.contains("PLAIN") {
            let credentials = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            _ = try await session.command("AUTH PLAIN \(credentials)", expect: 235, redacted: true)
        } else if mechanisms.contains("LOGIN") {
            _ = try await session.command("AUTH LOGIN", expect: 334)
            _ = try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, redacted: true)
            _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, redacted: true)
        } else {
            throw SMTPError(code: nil, message: "the server offers no AUTH mechanism we speak (PLAIN, LOGIN)")
        }
    }

    private func makeTLSHandler() throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.trustedCAFile {
            configuration.additionalTrustRoots = [.file(caFile)]
        }
        // SNI takes host names only; for an IP address NIOSSL checks the certificate against the peer's address.
        let isAddress = (try? SocketAddress(ipAddress: settings.host, port: settings.port)) != nil
        return try NIOSSLClientHandler(context: NIOSSLContext(configuration: configuration), serverHostname: isAddress ? nil : settings.host)
    }

    /// `Shop <shop@example.com>` → `shop@example.com`.
    static func address(_ mailbox: String) -> String {
        guard let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close else {
            return mailbox.trimmingCharacters(in: .whitespaces)
        }
        return String(mailbox[mailbox.index(after: open)..<close])
    }

    /// RFC 5321 §4.5.2: a line that starts with "." gets one more; the text ends with CRLF.
    static func dotStuffed(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }
}

/// One SMTP conversation: send a line, read a (possibly multi-line) reply, check its code.
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    mutating func command(_ line: String, expect codes: Int..., redacted: Bool = false) async throws -> [String] {
        try await write(line + "\r\n")
        return try await expect(codes, after: redacted ? "(credentials)" : line)
    }

    mutating func expect(_ codes: Int...) async throws -> [String] {
        try await expect(codes, after: nil)
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads one reply; returns its text lines (for EHLO, the capabilities) when its code is expected.
    private mutating func expect(_ codes: [Int], after command: String?) async throws -> [String] {
        var texts: [String] = []
        while true {
            guard let buffer = try await lines.next() else {
                throw SMTPError(code: nil, message: "the server closed the connection\(command.map { " after \($0)" } ?? "")")
            }
            var line = String(buffer: buffer)
            if line.hasSuffix("\r") { line.removeLast() }
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw SMTPError(code: nil, message: "unreadable reply: \(line.prefix(100))")
            }
            texts.append(String(line.dropFirst(4)))
            if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
            guard codes.contains(code) else {
                throw SMTPError(code: code, message: texts.joined(separator: " "))
            }
            return Array(texts.dropFirst())
        }
    }
}
