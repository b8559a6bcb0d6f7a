import Foundation
import GRDB
import PropertyBased
import Testing

@testable import Storage

/// One rule for free text, counted the way SQLite counts, and nothing the shop writes breaks a CHECK.
@Suite struct TextRuleTests {
    @Test func countsUnicodeScalarsNotGraphemes() throws {
        let rule = TextRule.line(10)
        #expect(try rule.check("  Bánh mì  ", field: "name") == "Bánh mì")
        let accents = String(repeating: "e\u{301}", count: 6)  // 6 graphemes, 12 scalars
        #expect(accents.count == 6)
        let error = #expect(throws: AppError.self) { try rule.check(accents, field: "name") }
        #expect(error?.fields["name"] != nil)
        #expect(try rule.check(String(repeating: "e\u{301}", count: 5), field: "name").unicodeScalars.count == 10)
    }

    @Test(arguments: ["a\u{0}b", "a\u{7}b", "a\nb", "a\u{1b}[31mb"])
    func oneLineTextRefusesControlCharacters(text: String) {
        #expect(throws: AppError.self) { try TextRule.line(100).check(text, field: "name") }
    }

    @Test func paragraphsKeepLineFeedsButRefuseNUL() throws {
        #expect(try TextRule.paragraph(100).check("line one\nline two\tend", field: "comment") == "line one\nline two\tend")
        #expect(throws: AppError.self) { try TextRule.paragraph(100).check("before\u{0}after", field: "comment") }
        #expect(try TextRule.paragraph(100).check("   ", field: "comment") == "")
        #expect(throws: AppError.self) { try TextRule.paragraph(100, required: true).check("   ", field: "comment") }
        #expect(try TextRule.line(5).checkOptional("  ", field: "phone") == nil)
    }

    @Test func truncationCutsScalarsAndDropsControlCharacters() {
        let long = String(repeating: "👨‍👩‍👧", count: 100)  // 5 scalars each
        let cut = TextRule.truncated(long, toScalars: 200)
        #expect(cut.unicodeScalars.count == 200)
        #expect(TextRule.truncated("a\u{0}b\nc", toScalars: 10) == "ab\nc")
    }

    /// `truncated` returns text untouched when it finds no control character to remove in its bytes: that check agrees
    /// with the scalars' general category (Cc) on every scalar, alone and between other text.
    @Test func theQuickControlCheckAgreesWithTheGeneralCategoryOnEveryScalar() {
        var disagreements: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let removed = scalar.properties.generalCategory == .control && scalar != "\n" && scalar != "\t"
            var alone = ""
            alone.unicodeScalars.append(scalar)
            var between = "é"
            between.unicodeScalars.append(scalar)
            between.unicodeScalars.append("b")
            if TextRule.containsRemovedControl(alone.utf8) != removed || TextRule.containsRemovedControl(between.utf8) != removed {
                disagreements.append(value)
            }
        }
        #expect(disagreements.isEmpty)
    }

    /// The rule's own control check, by value, is the general category Cc on every scalar.
    @Test func theControlCheckByValueIsTheGeneralCategoryOnEveryScalar() {
        var disagreements: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if TextRule.isControl(scalar) != (scalar.properties.generalCategory == .control) { disagreements.append(value) }
        }
        #expect(disagreements.isEmpty)
        #expect(TextRule.isControl("\u{0}") && TextRule.isControl("\u{1F}") && TextRule.isControl("\u{7F}") && TextRule.isControl("\u{9F}"))
        #expect(!TextRule.isControl(" ") && !TextRule.isControl("\u{A0}") && !TextRule.isControl("\u{200B}") && !TextRule.isControl("é"))
    }

    /// Over any text of scalars near the edges (controls, C1 controls and their neighbours in UTF-8, joiners, emoji) and
    /// any limit, `truncated` gives what removing the controls and cutting scalar by scalar gives.
    @Test func truncationIsTheSameWithOrWithoutItsQuickPath() async {
        let alphabet: [Unicode.Scalar] = [
            "a", "\n", "\t", "\r", "\u{0}", "\u{1F}", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}", "\u{A0}", "é", "\u{301}",
            "\u{200D}", "👨", "\u{FEFF}",
        ]
        await propertyCheck(input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...24), Gen.int(in: 0...30)) { picks, maximum in
            var text = ""
            for pick in picks { text.unicodeScalars.append(alphabet[pick]) }
            var expected = String.UnicodeScalarView()
            for scalar in text.unicodeScalars where scalar.properties.generalCategory != .control || scalar == "\n" || scalar == "\t" {
                guard expected.count < maximum else { break }
                expected.append(scalar)
            }
            #expect(TextRule.truncated(text, toScalars: maximum).unicodeScalars.elementsEqual(expected))
        }
    }

    /// The broadcast job used to die here: `prefix(200)` keeps 200 graphemes, which can be far more than
    /// the 200 code points the notification table's CHECK allows.
    @Test func aNotificationWithATitleLongInScalarsIsStoredTruncated() async throws {
        let fixture = try AccountFixture()
        let user = try await fixture.accounts.register(email: "lan@example.vn", password: "banhmi2024", name: "Lan", phone: nil)
        let service = NotificationService(database: fixture.database, hub: InProcessNotificationHub(), clock: fixture.clock)
        let title = String(repeating: "e\u{301}", count: 200)
        let body = String(repeating: "👨‍👩‍👧", count: 2000)
        let stored = try await fixture.database.write { db in
            try service.notify(db, userID: user.id, NotificationDraft(type: "broadcast", title: title, body: body, link: nil))
        }
        #expect(stored.title.unicodeScalars.count == 200)
        #expect(stored.body.unicodeScalars.count == 2000)
    }

    @Test func aCheckConstraintFailureIsAValidationError() async throws {
        let database = try AppDatabase.inMemory()
        let now = Date()
        let error = await #expect(throws: AppError.self) {
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO category (id, slug, name, createdAt, updatedAt) VALUES ('c', 'c', '', ?, ?)",
                    arguments: [now, now]
                )
            }
        }
        #expect(error?.code == .validationFailed)
        #expect(error?.message.contains("CHECK") == false)
    }
}
