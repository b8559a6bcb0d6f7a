import Foundation
import PropertyBased
import Testing

@testable import Storage

/// Checkout's request fingerprint is taken of the bytes `JSONEncoder.jobs` wrote for the request, so the stored
/// `requestHash` of every order matches a retry of it however the bytes are made now.
@Suite struct CheckoutFingerprintTests {
    static func text(_ picks: [Int]) -> String {
        var text = ""
        for pick in picks { text.unicodeScalars.append(FlatJSONWriterTests.alphabet[pick % FlatJSONWriterTests.alphabet.count]) }
        return text
    }

    @Test func anyRequestIsWhatTheJobsEncoderWrites() async throws {
        let scalar = Gen.int(in: 0...(FlatJSONWriterTests.alphabet.count - 1))
        await propertyCheck(
            count: 1000,
            input: scalar.array(of: 0...8).array(of: 8),
            Gen.int(),
            Gen.int(in: 0...5)
        ) { texts, points, choice in
            let request = CheckoutRequest(
                address: ShippingAddress(
                    name: Self.text(texts[0]),
                    phone: Self.text(texts[1]),
                    line: Self.text(texts[2]),
                    ward: Self.text(texts[3]),
                    district: Self.text(texts[4]),
                    city: Self.text(texts[5])
                ),
                note: Self.text(texts[6]),
                paymentMethod: PaymentMethod.allCases[choice % PaymentMethod.allCases.count],
                voucherCode: choice < 3 ? Self.text(texts[7]) : nil,
                pointsToRedeem: points
            )
            let encoded = try? JSONEncoder.jobs.encode(request)
            #expect(Array(OrderService.fingerprintJSON(request).readableBytesView) == encoded.map { Array($0) })
        }
    }

    /// A hash stored before the request was written by hand still matches: this one is the SHA-256 of the bytes the
    /// encoder wrote for the request (computed apart, with Python's hashlib).
    @Test func aStoredHashStillMatches() throws {
        let request = CheckoutRequest(
            address: ShippingAddress(name: "Lan", phone: "0901234567", line: "12/3 Ly Thuong Kiet", ward: "P7", district: "Q10", city: "TP.HCM"),
            note: "gate \"B\"",
            paymentMethod: .cod,
            voucherCode: "BANH10",
            pointsToRedeem: 20
        )
        #expect(OrderService.hash(request) == "6e753b7bdf77b50531141f36177f18892f79386a9fae09539c46e2d3adbff097")
    }
}
