/// Turns what a shopper types into an FTS5 query over the folded search index.
public enum ProductSearch {
    /// Lowercases and maps đ to d; the FTS5 tokenizer removes the other diacritics itself.
    static func fold(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "đ", with: "d")
    }

    /// `"banh"* "kem"*`: every word must match, each as a prefix. Only letters and digits reach the
    /// query, so no input can inject FTS5 syntax. Nil when nothing searchable is left.
    static func matchExpression(_ query: String) -> String? {
        let words = fold(query)
            .split { !($0.isLetter || $0.isNumber) }
            .prefix(8)
            .map { "\"\($0.prefix(40))\"*" }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
