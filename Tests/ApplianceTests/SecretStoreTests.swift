import Foundation
import Testing

@testable import Appliance

@Suite struct SecretStoreTests {
    @Test func generatedSecretsAreKeptPrivateAndStable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-secrets-\(UUID())").path
        let store = SecretStore(dataDirectory: directory)
        let first = try store.resolve(configuredJWT: nil, configuredWebhook: nil)
        #expect(first.jwtSecret.utf8.count >= 32)
        #expect(first.paymentWebhookSecret.utf8.count >= 32)
        #expect(first.jwtSecret != first.paymentWebhookSecret)
        let again = try store.resolve(configuredJWT: nil, configuredWebhook: nil)
        #expect(again == first)
        let permissions = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    @Test func configuredSecretsWinAndAreNeverWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klelite-secrets-\(UUID())").path
        let configured = String(repeating: "c", count: 40)
        let secrets = try SecretStore(dataDirectory: directory).resolve(configuredJWT: configured, configuredWebhook: nil)
        #expect(secrets.jwtSecret == configured)
        let text = try String(contentsOfFile: directory + "/secrets", encoding: .utf8)
        #expect(!text.contains(configured))
    }
}
