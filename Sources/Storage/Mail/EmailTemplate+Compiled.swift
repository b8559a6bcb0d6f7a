import Foundation
import Mustache

/// The three parsed Mustache templates of one email: parsed once per process, not once per message.
struct CompiledEmailTemplate: Sendable {
    let subject: MustacheTemplate
    let text: MustacheTemplate
    let html: MustacheTemplate
}

extension EmailTemplate {
    /// Every template's parsed form. The sources are constants of this build, so nothing ever invalidates it; a template
    /// that does not parse is left out and parsed (and its error thrown) on each render.
    static let compiled: [EmailTemplate: CompiledEmailTemplate] = Dictionary(
        uniqueKeysWithValues: allCases.compactMap { template in (try? template.compile()).map { (template, $0) } }
    )

    /// Parses the subject and both bodies (Vietnamese then English).
    func compile() throws -> CompiledEmailTemplate {
        let html = self.html.replacingOccurrences(of: "</body></html>", with: #"<hr><div lang="en">\#(englishHTML)</div></body></html>"#)
        return CompiledEmailTemplate(
            subject: try MustacheTemplate(string: subject),
            text: try MustacheTemplate(string: text + "\n\n----------\n\n" + englishText),
            html: try MustacheTemplate(string: html)
        )
    }
}
