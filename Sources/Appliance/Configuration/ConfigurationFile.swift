import Foundation

/// A strict reader for `appliance.conf`: `KEY=VALUE` lines, `#` comments and blank lines.
///
/// swift-configuration's own `.env` parser skips lines it cannot read; an operator's typo must instead
/// stop start-up with the file and line, so the file is checked here and its values are then handed to
/// swift-configuration as one provider among the others.
struct ConfigurationFile: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        let value: String
        let line: Int
    }

    let path: String
    let entries: [String: Entry]

    static func parse(_ text: String, path: String) throws(ConfigurationError) -> ConfigurationFile {
        var entries: [String: Entry] = [:]
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformedLine(file: path, line: index + 1, text: line)
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                throw .malformedLine(file: path, line: index + 1, text: line)
            }
            guard ConfigurationKey.byName[name] != nil else {
                throw .unknownKey(name, source: "\(path):\(index + 1)")
            }
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            entries[name] = Entry(value: value, line: index + 1)
        }
        return ConfigurationFile(path: path, entries: entries)
    }

    /// Reads the file at `path`; a missing file is empty unless `required`.
    static func load(path: String, required: Bool) throws(ConfigurationError) -> ConfigurationFile {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw .unreadableFile(path, reason: "no such file") }
            return ConfigurationFile(path: path, entries: [:])
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path, reason: "not readable UTF-8 text")
        }
        return try parse(text, path: path)
    }
}
