import Foundation

/// The demo's sign-in secrets: generated when the demo is first seeded, never fixed in the repository.
/// `klelite seed-demo` keeps them in `DATA_DIR/demo-credentials` (mode 0600) and `make run` prints them.
public struct DemoCredentials: Sendable, Equatable {
    public var adminEmail: String
    public var adminPassword: String
    /// Every demo customer signs in with this one (the demo rush uses it).
    public var customerPassword: String
    public var customerEmails: [String]

    public init(adminEmail: String, adminPassword: String, customerPassword: String, customerEmails: [String]) {
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
        self.customerPassword = customerPassword
        self.customerEmails = customerEmails
    }

    /// Fresh random passwords for the demo's accounts.
    public static func generate() -> DemoCredentials {
        DemoCredentials(
            adminEmail: DemoShop.adminEmail,
            adminPassword: password(),
            customerPassword: password(),
            customerEmails: DemoShop.customers.map(\.email)
        )
    }

    /// Four groups of five from an alphabet without look-alikes (about 100 bits), with at least one
    /// letter and one digit so the account rules accept it: `k7mqd-...`.
    static func password() -> String {
        let letters = Array("abcdefghjkmnpqrstuvwxyz")
        let digits = Array("23456789")
        let alphabet = letters + digits
        var generator = SystemRandomNumberGenerator()
        while true {
            let groups = (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator) ?? "a" }) }
            let candidate = groups.joined(separator: "-")
            if candidate.contains(where: { letters.contains($0) }), candidate.contains(where: { digits.contains($0) }) {
                return candidate
            }
        }
    }
}
