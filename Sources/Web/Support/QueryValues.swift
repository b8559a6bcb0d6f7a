import Hummingbird
import HummingbirdCore
import Storage

/// A request's query parameters, parsed once, and the typed readers the routes validate them with.
///
/// Hummingbird parses the whole query string on every `uri.queryParameters` access, so a route that reads ten
/// parameters through the ``Request`` helpers parses it ten times; a route that reads many takes one of these instead.
struct QueryValues {
    let parameters: FlatDictionary<Substring, Substring>

    init(_ request: Request) {
        self.parameters = request.uri.queryParameters
    }

    /// An integer query parameter, or a 400 naming it when it is not one.
    func integer(_ name: String) throws(AppError) -> Int? {
        guard let raw = parameters[Substring(name)], !raw.isEmpty else { return nil }
        guard let value = Int(raw) else { throw .validation("\(name) must be a whole number.", fields: [name: "must be an integer"]) }
        return value
    }

    /// A boolean query parameter (`true`/`false`/`1`/`0`), or a 400 naming it.
    func boolean(_ name: String) throws(AppError) -> Bool? {
        guard let raw = parameters[Substring(name)], !raw.isEmpty else { return nil }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .validation("\(name) must be true or false.", fields: [name: "must be true or false"])
        }
    }

    /// One of an enumeration's values, or a 400 naming the parameter and listing the allowed values.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as type: Choice.Type) throws(AppError) -> Choice?
    where Choice.RawValue == String {
        guard let raw = text(name) else { return nil }
        guard let choice = Choice(rawValue: raw) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw .validation("Unknown \(name).", fields: [name: "must be one of \(allowed)"])
        }
        return choice
    }

    /// A non-empty text query parameter.
    func text(_ name: String) -> String? {
        guard let raw = parameters[Substring(name)], !raw.isEmpty else { return nil }
        return String(raw)
    }
}
