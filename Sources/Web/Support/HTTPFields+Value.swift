import HTTPTypes

extension HTTPFields {
    /// What `self[name]` answers, without building a new string when one field has the name (nearly every request):
    /// the subscript joins every field of the name into a fresh string on each read, a lone field included — for a
    /// bearer token, a copy of its few hundred bytes per read. Repeated fields are joined exactly as the subscript does.
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
