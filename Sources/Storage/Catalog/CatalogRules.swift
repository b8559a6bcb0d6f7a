import Foundation
import GRDB

/// What catalogue fields may hold; each failure names its field.
enum CatalogRules {
    static let maximumMoney = 1_000_000_000_000

    static func name(_ raw: String, limit: Int = 200) throws(AppError) -> String {
        try TextRule.line(limit).check(raw, field: "name")
    }

    static func description(_ raw: String, field: String = "description", limit: Int = 5000) throws(AppError) -> String {
        try TextRule.paragraph(limit).check(raw, field: field)
    }

    static func money(_ value: Int, field: String) throws(AppError) -> Int {
        guard (0...maximumMoney).contains(value) else {
            throw .validation("The \(field) is out of range.", fields: [field: "must be a whole amount from 0 to \(maximumMoney)"])
        }
        return value
    }

    static func stock(_ value: Int) throws(AppError) -> Int {
        guard (0...1_000_000).contains(value) else {
            throw .validation("The stock is out of range.", fields: ["stock": "must be a whole number from 0 to 1000000"])
        }
        return value
    }

    static func weight(_ value: Int) throws(AppError) -> Int {
        guard (1...100_000).contains(value) else {
            throw .validation("The weight is out of range.", fields: ["weightGrams": "must be a whole number of grams from 1 to 100000"])
        }
        return value
    }

    /// Trimmed, de-duplicated words: at most 20 of at most 40 characters each.
    static func words(_ raw: [String], field: String) throws(AppError) -> [String] {
        var seen: Set<String> = []
        let rule = TextRule(minimum: 0, maximum: 40)
        let checked = raw.map { try? rule.check($0, field: field) }
        let words = checked.compactMap { $0 }.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
        guard words.count <= 20, !checked.contains(nil) else {
            throw .validation("Too many or too long \(field).", fields: [field: "must be at most 20 entries of at most 40 characters"])
        }
        return words
    }

    /// Image references: files this shop serves (`/images/…` shipped, `/uploads/…` uploaded).
    static func images(_ raw: [String]) throws(AppError) -> [String] {
        guard raw.count <= 12,
            raw.allSatisfy({ ($0.hasPrefix("/images/") || $0.hasPrefix("/uploads/")) && !$0.contains("..") && $0.count <= 300 })
        else {
            throw .validation("The images are not valid.", fields: ["images": "must be at most 12 paths under /images/ or /uploads/"])
        }
        return raw
    }

    /// The requested slug if valid and free, else one made from the name, suffixed -2, -3… until free.
    static func uniqueSlug(_ db: Database, table: String, requested: String?, name: String, excluding id: String?) throws -> String {
        func taken(_ slug: String) throws -> Bool {
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE slug = ? AND id IS NOT ?)", arguments: [slug, id]) ?? false
        }
        if let requested {
            guard Slug.isValid(requested) else {
                throw AppError.validation("The slug is not valid.", fields: ["slug": "must be lowercase letters, digits and single hyphens"])
            }
            guard try !taken(requested) else {
                throw AppError(.conflict, "The slug \(requested) is already used.", fields: ["slug": "is already used"])
            }
            return requested
        }
        let base = Slug.make(from: name).isEmpty ? table : Slug.make(from: name)
        var candidate = base
        var suffix = 2
        while try taken(candidate) {
            candidate = "\(base)-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}
