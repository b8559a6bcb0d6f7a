import Foundation

/// Text as a dictionary key that equals another only byte for byte. `String` and `Substring` compare by Unicode canonical
/// equivalence (`e` + U+0302 + U+0323 equals `e` + U+0323 + U+0302; U+212A KELVIN SIGN equals `K`), which is right for
/// text a person reads and wrong for a key that stands for exact bytes: a signed token, a request's target.
/// Holds a slice, so a lookup with a slice of a header copies nothing; keep a slice of its own (``owned``) in a dictionary.
struct ExactText: Hashable, Sendable {
    let text: Substring

    init(_ text: Substring) {
        self.text = text
    }

    /// The same bytes in storage of their own: a slice of a request's header would keep the whole header alive.
    var owned: ExactText { ExactText(Substring(String(text))) }

    func hash(into hasher: inout Hasher) {
        Self.hashBytes(text.utf8, into: &hasher)
    }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        let left = lhs.text.utf8
        let right = rhs.text.utf8
        guard left.count == right.count else { return false }
        let compared = left.withContiguousStorageIfAvailable { left in
            right.withContiguousStorageIfAvailable { right in
                guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }  // both empty
                return memcmp(leftBytes, rightBytes, left.count) == 0
            }
        }
        return (compared ?? nil) ?? left.elementsEqual(right)
    }

    /// Feeds `bytes` and their count to `hasher`, in one piece.
    static func hashBytes(_ bytes: Substring.UTF8View, into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        if bytes.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { hasher.combine(bytes: $0) }  // the same bytes, the same way
        }
    }
}
