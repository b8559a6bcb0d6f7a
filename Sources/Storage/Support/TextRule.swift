/// The one rule for free text a person types (names, titles, comments, notes, reasons).
///
/// Lengths are counted in Unicode scalars, the way SQLite's `length()` counts a text's code points, so a
/// value that passes here can never break a `CHECK (length(x) <= n)`: Swift's `count` counts grapheme
/// clusters, and one cluster ("👨‍👩‍👧", "e" + a combining accent) can hold many scalars. Control characters
/// are refused, NUL included (SQLite's `length()` stops at a NUL, so it would hide the rest of the text);
/// text that may span lines keeps line feeds and tabs.
public struct TextRule: Sendable, Equatable {
    /// Fewest scalars after trimming (1 for a required field, 0 for an optional one).
    public var minimum: Int
    /// Most scalars after trimming.
    public var maximum: Int
    /// Whether line feeds, carriage returns and tabs are allowed.
    public var multiline: Bool

    public init(minimum: Int = 1, maximum: Int, multiline: Bool = false) {
        self.minimum = minimum
        self.maximum = maximum
        self.multiline = multiline
    }

    /// A required one-line text (a name, a title) of at most `maximum` scalars.
    public static func line(_ maximum: Int) -> TextRule { TextRule(minimum: 1, maximum: maximum) }

    /// An optional text of several lines (a description, a comment, a note) of at most `maximum` scalars.
    public static func paragraph(_ maximum: Int, required: Bool = false) -> TextRule {
        TextRule(minimum: required ? 1 : 0, maximum: maximum, multiline: true)
    }

    /// The trimmed text, or a 400 naming `field` when it is empty, too long or holds a control character.
    public func check(_ raw: String, field: String) throws(AppError) -> String {
        let text = raw.trimmedOfWhitespace
        let length = text.unicodeScalars.count
        let problem: String? =
            if text.unicodeScalars.contains(where: { !isAllowed($0) }) {
                multiline ? "must not contain control characters" : "must be one line without control characters"
            } else if length < minimum || length > maximum {
                minimum > 0 ? "must be \(minimum)-\(maximum) characters" : "must be at most \(maximum) characters"
            } else {
                nil
            }
        if let problem { throw .validation("The \(field) is not valid.", fields: [field: problem]) }
        return text
    }

    /// Like ``check(_:field:)`` for an optional field: nil stays nil, and so does text that trims to nothing.
    public func checkOptional(_ raw: String?, field: String) throws(AppError) -> String? {
        guard let raw else { return nil }
        let text = try TextRule(minimum: 0, maximum: maximum, multiline: multiline).check(raw, field: field)
        return text.isEmpty ? nil : text
    }

    private func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        guard Self.isControl(scalar) else { return true }
        return multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t")
    }

    /// Whether the scalar's general category is Cc (control): exactly U+0000-U+001F and U+007F-U+009F, a set Unicode
    /// never changes. Compared by value, not by looking up the scalar's properties: that lookup was 0.8 % of a checkout's
    /// server CPU (`OrderService.validate` checks every text field; bench/PROFILES.md, sixteenth round).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// At most `maximum` scalars of `text`, with NUL and other control characters (but line feeds and tabs)
    /// removed: for text the shop writes itself from other data, where refusing is not an option.
    public static func truncated(_ text: String, toScalars maximum: Int) -> String {
        if text.utf8.count <= maximum, !containsRemovedControl(text.utf8) { return text }  // most text: nothing to do
        var scalars = String.UnicodeScalarView()
        var kept = 0
        for scalar in text.unicodeScalars {
            if Self.isControl(scalar), scalar != "\n", scalar != "\t" { continue }
            guard kept < maximum else { break }
            scalars.append(scalar)
            kept += 1
        }
        return String(scalars)
    }

    /// Whether UTF-8 text holds a control character that ``truncated(_:toScalars:)`` removes: the general category Cc is
    /// exactly U+0000-U+001F and U+007F-U+009F, one byte below 0x20 or 0x7F, or the two bytes 0xC2 0x80-0x9F (an 0xC2 is
    /// only ever a lead byte; line feed and tab stay). Decoding every scalar's properties was a share of each notification
    /// written in the checkout's transaction.
    static func containsRemovedControl(_ utf8: String.UTF8View) -> Bool {
        var afterC2 = false
        for byte in utf8 {
            if afterC2, byte >= 0x80, byte <= 0x9F { return true }
            afterC2 = byte == 0xC2
            if byte < 0x20, byte != 0x0A, byte != 0x09 { return true }
            if byte == 0x7F { return true }
        }
        return false
    }
}
