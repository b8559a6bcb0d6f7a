import Foundation
import Testing

@testable import Storage

/// `trimmedOfWhitespace` stands in for Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` wherever the
/// shop trims what a person typed: it must trim exactly what Foundation trims.
@Suite struct WhitespaceTrimmingTests {
    /// Every Unicode scalar: ours trims it exactly when Foundation's set holds it.
    @Test func trimsTheScalarsFoundationTrims() {
        let foundation = CharacterSet.whitespacesAndNewlines
        var disagreements: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }  // the surrogates
            if scalar.isTrimmedBlank != foundation.contains(scalar) { disagreements.append(String(value, radix: 16)) }
        }
        #expect(disagreements == [])
    }

    /// Text around each scalar of the Basic Multilingual Plane (every blank is in it), trimmed both ways.
    @Test func trimsTextAsFoundationDoes() {
        var disagreements: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "\(scalar)\u{301}x\(scalar)"
            if !text.trimmedOfWhitespace.unicodeScalars.elementsEqual(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars) {
                disagreements.append(String(value, radix: 16))
            }
        }
        #expect(disagreements == [])
    }

    @Test(arguments: [
        "", " ", "\t\n\r\u{0B}\u{0C} ", "  Bánh mì  ", "\u{A0}\u{3000}tên\u{2028}", "\u{85}x\u{2029}",
        " \u{301}accent after a space ", "e\u{301} ", "\u{200B}zero width space\u{200B}", "\u{200C}zero width non-joiner\u{200D}",
        "\u{FEFF}bom\u{FEFF}", "a \n b", "👨‍👩‍👧 ", "\u{180E}mongolian vowel separator\u{180E}",
    ])
    func givesFoundationsAnswer(text: String) {
        #expect(text.trimmedOfWhitespace.unicodeScalars.elementsEqual(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars))
    }

    @Test func checkoutStillRefusesABlankPhone() {
        let blank = ShippingAddress(name: "An", phone: " \t ", line: "1 Lê Lợi", ward: "Bến Nghé", district: "1", city: "HCM")
        let error = #expect(throws: AppError.self) { try OrderService.validate(blank) }
        #expect(error?.fields["address.phone"] != nil)
    }
}
