import HTTPTypes
import Testing

@testable import Web

/// The shop's own header names are built without a force unwrap; each must still be the name on the wire.
@Suite struct HeaderNamesTests {
    @Test func everyShopHeaderNameIsTheLiteralItNames() {
        let names: [(HTTPField.Name, String)] = [
            (.csrfToken, "X-CSRF-Token"), (.idempotencyKey, "Idempotency-Key"), (.lastEventID, "Last-Event-ID"),
            (.kleliteSignature, "Klelite-Signature"), (.xAccelBuffering, "X-Accel-Buffering"), (.xForwardedFor, "X-Forwarded-For"),
            (.xFrameOptions, "X-Frame-Options"), (.referrerPolicy, "Referrer-Policy"),
            (.crossOriginOpenerPolicy, "cross-origin-opener-policy"), (.permissionsPolicy, "permissions-policy"),
            (.xRequestID, "X-Request-Id"),
        ]
        for (name, literal) in names {
            #expect(name.rawName == literal)
            #expect(name.canonicalName == literal.lowercased())
        }
    }

    /// A name sent on every response and longer than a small string is written in its canonical form, so its name is the
    /// literal itself rather than a lowercased copy on the heap (see `HeaderNames.swift`).
    @Test func theLongNamesOfEveryResponseAreCanonical() {
        for name in [HTTPField.Name.crossOriginOpenerPolicy, .permissionsPolicy] {
            #expect(name.rawName == name.canonicalName)
        }
    }
}
