/// Why start-up refused the configuration; each case renders as one line naming the key.
struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    let message: String

    static func invalid(_ key: ConfigurationKey, value: String, source: String, expected: String) -> Self {
        let shown = key.isSecret ? "<redacted>" : "\"\(value)\""
        return Self(message: "\(key.name)=\(shown) (from \(source)) is not valid: expected \(expected).")
    }

    static func malformedLine(file: String, line: Int, text: String) -> Self {
        Self(message: "\(file):\(line): expected KEY=VALUE, found \"\(text)\".")
    }

    static func unknownKey(_ name: String, source: String) -> Self {
        Self(message: "\(name) (from \(source)) is not a configuration key; see appliance.conf for the list.")
    }

    static func unreadableFile(_ path: String, reason: String) -> Self {
        Self(message: "cannot read configuration file \(path): \(reason).")
    }

    var description: String { message }
}
