import Foundation

/// URL slugs made from names: "Bánh kem dâu tây" → "banh-kem-dau-tay".
public enum Slug {
    /// Folds Vietnamese (and other) diacritics, maps đ to d, keeps ASCII letters and digits, and joins
    /// words with single hyphens; at most 120 characters.
    public static func make(from name: String) -> String {
        let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .lowercased()
        var slug = ""
        for scalar in folded.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(120)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// Whether a client-given slug is acceptable as it is.
    public static func isValid(_ slug: String) -> Bool {
        !slug.isEmpty && slug.count <= 160 && !slug.hasPrefix("-") && !slug.hasSuffix("-") && !slug.contains("--")
            && slug.unicodeScalars.allSatisfy {
                ($0.isASCII && CharacterSet.alphanumerics.contains($0) && !CharacterSet.uppercaseLetters.contains($0)) || $0 == "-"
            }
    }
}
