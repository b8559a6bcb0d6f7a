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
            (.crossOriginOpenerPolicy, "Cross-Origin-Opener-Policy"), (.permissionsPolicy, "Permissions-Policy"),
            (.xRequestID, "X-Request-Id"),
        ]
        for (name, literal) in names {
            #expect(name.rawName == literal)
            #expect(name.canonicalName == literal.lowercased())
        }
    }
}
