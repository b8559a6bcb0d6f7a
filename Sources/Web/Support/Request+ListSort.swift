import Hummingbird
import Storage

extension Request {
    /// The `sort` query parameter of an admin list (`key` or `-key`), or nil for the list's default order;
    /// a key outside the list's whitelist is a 400 naming `sort`.
    func sortQuery<Key>(as key: Key.Type) throws(AppError) -> ListSort<Key>? {
        guard let raw = textQuery("sort") else { return nil }
        return try ListSort<Key>(parsing: raw)
    }
}
