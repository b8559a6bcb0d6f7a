import Foundation

extension BroadcastJob {
    /// A broadcast as an admin wrote it, checked: a title of at most 200 characters, a body of at most 2,000,
    /// and a link (when given) that is a path in this shop, never another site.
    public static func checked(title: String, body: String, link: String?) throws -> BroadcastJob {
        let title = try TextRule.line(200).check(title, field: "title")
        let body = try TextRule.paragraph(2000, required: true).check(body, field: "body")
        if let link, !link.hasPrefix("/") {
            throw AppError.validation("The link must be a path in this shop.", fields: ["link": "must start with /"])
        }
        return BroadcastJob(draft: NotificationDraft(type: "broadcast", title: title, body: body, link: link))
    }
}
