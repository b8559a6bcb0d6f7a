import Foundation

/// The shop's rules for what an account's fields may hold; each failure names its field.
public enum AccountRules {
    public static let minimumPasswordLength = 8
    /// bcrypt reads at most 72 bytes; longer passwords would be silently truncated, so they are refused.
    public static let maximumPasswordBytes = 72

    /// Trims and lowercases an email, or throws when it is not a plausible address.
    public static func normalizedEmail(_ raw: String, field: String = "email") throws(AppError) -> String {
        let email = raw.trimmedOfWhitespace.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            email.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[0].count <= 64
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" || $0 == "," })
            && !email.unicodeScalars.contains(where: TextRule.isControl)  // NUL, ESC, DEL: it goes into To: and RCPT TO:
        guard valid else { throw .validation("Enter a valid email address.", fields: [field: "must be an email address like name@example.com"]) }
        return email
    }

    /// Checks a new password: 8+ characters, at most 72 bytes, a letter and a digit, not the email itself.
    public static func checkPassword(_ password: String, email: String?, field: String = "password") throws(AppError) {
        let problem: String? =
            if password.count < minimumPasswordLength {
                "must be at least \(minimumPasswordLength) characters"
            } else if password.utf8.count > maximumPasswordBytes {
                "must be at most \(maximumPasswordBytes) bytes"
            } else if !password.contains(where: \.isLetter) || !password.contains(where: \.isNumber) {
                "must contain at least one letter and one digit"
            } else if let email,
                password.lowercased() == email.lowercased() || password.lowercased() == email.split(separator: "@").first.map(String.init)
            {
                "must not be your email address"
            } else {
                nil
            }
        if let problem { throw .validation("The password is too weak.", fields: [field: problem]) }
    }

    /// Trims a display name and checks it holds 1–100 characters on one line (``TextRule``).
    public static func normalizedName(_ raw: String) throws(AppError) -> String {
        try TextRule.line(100).check(raw, field: "name")
    }

    /// Trims a phone number; empty means none. Digits with an optional leading + and spaces, dots or dashes.
    public static func normalizedPhone(_ raw: String?) throws(AppError) -> String? {
        guard let phone = raw?.trimmedOfWhitespace, !phone.isEmpty else { return nil }
        let digits = phone.filter(\.isNumber)
        let allowed = phone.enumerated().allSatisfy { index, character in
            (character.isASCII && character.isNumber) || " .-()".contains(character) || (index == 0 && character == "+")
        }
        guard allowed, (8...15).contains(digits.count) else {
            throw .validation("Enter a valid phone number.", fields: ["phone": "must be 8-15 digits, optionally starting with +"])
        }
        return phone
    }
}
