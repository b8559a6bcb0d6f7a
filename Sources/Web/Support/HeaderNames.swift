import HTTPTypes

/// The header names the shop reads or writes that HTTPTypes does not define, each built once without a force
/// unwrap. Every one is a literal RFC 9110 token, for which the checked initializer always succeeds;
/// `HeaderNamesTests` pins each to its wire name, so a typo fails a test instead of trapping on a request.
extension HTTPField.Name {
    /// The double-submit echo of the CSRF cookie.
    static let csrfToken = shopHeader("X-CSRF-Token")
    /// Makes a retried checkout return the first order.
    static let idempotencyKey = shopHeader("Idempotency-Key")
    /// The last event a reconnecting live stream saw.
    static let lastEventID = shopHeader("Last-Event-ID")
    /// The payment provider's webhook signature.
    static let kleliteSignature = shopHeader("Klelite-Signature")
    /// Tells nginx not to buffer a live stream.
    static let xAccelBuffering = shopHeader("X-Accel-Buffering")
    /// The client chain a trusted proxy forwards.
    static let xForwardedFor = shopHeader("X-Forwarded-For")
    static let xFrameOptions = shopHeader("X-Frame-Options")
    static let referrerPolicy = shopHeader("Referrer-Policy")
    // Sent on every response, and longer than a small string (15 bytes): written in their canonical (lowercase) form the
    // name is one literal, which is never reference-counted, where a mixed-case one gets a lowercased copy on the heap
    // that every response's fields retain and release from both event loops. Field names are case-insensitive
    // (RFC 9110, 5.1), and HTTP/2 sends every name in lowercase.
    static let crossOriginOpenerPolicy = shopHeader("cross-origin-opener-policy")
    static let permissionsPolicy = shopHeader("permissions-policy")
    static let xRequestID = shopHeader("X-Request-Id")

    /// The checked name of a literal; the fallback (a header the shop never reads or writes) is unreachable for
    /// the valid tokens above and only stands in for a trap.
    private static func shopHeader(_ name: String) -> HTTPField.Name {
        HTTPField.Name(name) ?? .earlyData
    }
}
