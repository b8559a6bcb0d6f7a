import Crypto
import Foundation

/// The `Klelite-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` header of payment webhooks, computed over
/// `"<t>.<raw body>"` — the bytes as sent, never a re-serialised JSON.
public struct WebhookSignature: Sendable {
    /// Events signed longer ago (or further ahead) than this are refused: a captured request cannot be replayed later.
    public static let tolerance: TimeInterval = 300

    let secret: SymmetricKey

    public init(secret: String) {
        self.secret = SymmetricKey(data: Data(secret.utf8))
    }

    /// The header value for a body signed at `date`.
    public func header(for body: Data, at date: Date) -> String {
        let timestamp = Int(date.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(mac(body, timestamp: timestamp))"
    }

    /// Checks the header against the raw body: a valid signature (compared in constant time) made within
    /// the tolerance of `now`.
    public func verify(header: String?, body: Data, now: Date) throws(AppError) {
        guard let header else { throw .validation("The webhook is not signed.", fields: ["Klelite-Signature": "is required"]) }
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, !signatures.isEmpty else {
            throw .validation("The webhook signature is malformed.", fields: ["Klelite-Signature": "must be t=…,v1=…"])
        }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= Self.tolerance else {
            throw .validation("The webhook is too old.", fields: ["Klelite-Signature": "timestamp is outside the tolerance"])
        }
        let expected = mac(body, timestamp: timestamp)
        guard signatures.contains(where: { SecureToken.constantTimeEquals($0, expected) }) else {
            throw .validation("The webhook signature does not match.", fields: ["Klelite-Signature": "does not match the body"])
        }
    }

    private func mac(_ body: Data, timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        return HMAC<SHA256>.authenticationCode(for: message, using: secret).map { String(format: "%02x", $0) }.joined()
    }
}
