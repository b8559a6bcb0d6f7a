import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Secrets the appliance needs whether or not the operator configured them.
struct Secrets: Sendable, Equatable {
    var jwtSecret: String
    var paymentWebhookSecret: String
}

/// Keeps generated secrets in `DATA_DIR/secrets` (`KEY=VALUE` lines, mode 0600) so that a restart
/// keeps sessions valid and webhooks verifiable. A configured value always wins and is never written.
struct SecretStore: Sendable {
    let path: String

    init(dataDirectory: String) {
        self.path = (dataDirectory as NSString).appendingPathComponent("secrets")
    }

    /// Returns the configured secrets, filling the unconfigured ones from the file, generating
    /// (and saving) any that the file does not hold yet.
    ///
    /// Cluster instances sharing `DATA_DIR` may start at the same moment: the read-generate-write runs under an
    /// exclusive `flock` on `secrets.lock`, so the second reads what the first wrote instead of keeping its own
    /// (its access tokens would be refused by every other instance).
    func resolve(configuredJWT: String?, configuredWebhook: String?) throws -> Secrets {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path + ".lock"]) }
        defer { close(lock) }  // closing the descriptor releases the flock
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path + ".lock"]) }
        }
        var stored = try read()
        let jwt = stored["JWT_SECRET"] ?? Self.generate()
        let webhook = stored["PAYMENT_WEBHOOK_SECRET"] ?? Self.generate()
        if stored["JWT_SECRET"] == nil || stored["PAYMENT_WEBHOOK_SECRET"] == nil {
            stored["JWT_SECRET"] = jwt
            stored["PAYMENT_WEBHOOK_SECRET"] = webhook
            try write(stored)
        }
        return Secrets(jwtSecret: configuredJWT ?? jwt, paymentWebhookSecret: configuredWebhook ?? webhook)
    }

    /// 48 random bytes, hex-encoded (96 characters): well above jwt-kit's 32-byte minimum for HS256.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<48).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    private func read() throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return [:]
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    private func write(_ values: [String: String]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }
}
