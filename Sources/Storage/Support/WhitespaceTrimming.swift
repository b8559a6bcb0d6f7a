extension String {
    /// The text without blanks at either end — spaces of every width, tabs, line and paragraph breaks, and the zero
    /// width space — exactly what Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` trims on Linux, in
    /// plain Swift. Foundation's goes through NSString (its bridge and a copy of the text), which was 2.5 % of a
    /// checkout's server CPU (`OrderService.validate` checks six fields; bench/PROFILES.md, twelfth round).
    /// Trimmed by Unicode scalars, as Foundation does: a combining mark after a leading space stays.
    public var trimmedOfWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isTrimmedBlank }), let last = scalars.lastIndex(where: { !$0.isTrimmedBlank })
        else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return self }
        return String(Substring(scalars[first...last]))
    }
}

extension Unicode.Scalar {
    /// CoreFoundation's whitespace-and-newline set, which Foundation's `.whitespacesAndNewlines` is on Linux: Unicode's
    /// `White_Space` plus U+200B ZERO WIDTH SPACE (`WhitespaceTrimmingTests` compares the two on every scalar).
    var isTrimmedBlank: Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
