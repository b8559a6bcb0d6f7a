import Foundation
import Hummingbird
import Storage

/// One query parameter of a request, through ``QueryValues`` (each call parses the query string once: routes that read
/// several parameters parse it once into a ``QueryValues`` and read that).
extension Request {
    /// An integer query parameter, or a 400 naming it when it is not one.
    func integerQuery(_ name: String) throws(AppError) -> Int? {
        try QueryValues(self).integer(name)
    }

    /// A boolean query parameter (`true`/`false`/`1`/`0`), or a 400 naming it.
    func booleanQuery(_ name: String) throws(AppError) -> Bool? {
        try QueryValues(self).boolean(name)
    }

    /// One of an enumeration's values, or a 400 naming the parameter and listing the allowed values.
    func choiceQuery<Choice: RawRepresentable & CaseIterable>(_ name: String, as type: Choice.Type) throws(AppError) -> Choice?
    where Choice.RawValue == String {
        try QueryValues(self).choice(name, as: type)
    }

    /// A non-empty text query parameter.
    func textQuery(_ name: String) -> String? {
        QueryValues(self).text(name)
    }
}
