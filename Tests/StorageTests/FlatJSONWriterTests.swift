import Foundation
import PropertyBased
import Testing

@testable import Storage

/// The hand-written JSON of checkout's notification data and email job payload is the encoder's, byte for byte.
@Suite struct FlatJSONWriterTests {
    /// Scalars at every branch of the writer: escaped ones, every control kind, the boundaries either side of them,
    /// multi-byte text, a combining mark (keys are sorted by their bytes, as the encoder sorts them, not by Swift's `<`).
    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", "_", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", " ", "\u{7F}",
        "é", "e", "\u{301}", "\u{2028}", "đ", "👨", "\u{FEFF}",
    ]

    static func text(_ picks: [Int]) -> String {
        var text = ""
        for pick in picks { text.unicodeScalars.append(alphabet[pick]) }
        return text
    }

    @Test func anObjectOfStringsIsWhatTheJobsEncoderWrites() async throws {
        let scalar = Gen.int(in: 0...(Self.alphabet.count - 1))
        await propertyCheck(count: 1000, input: scalar.array(of: 0...6).array(of: 0...5), scalar.array(of: 0...12).array(of: 0...5)) { keys, values in
            var object: [String: String] = [:]
            for (key, value) in zip(keys, values) { object[Self.text(key)] = Self.text(value) }
            let encoded = try? JSONEncoder.jobs.encode(object)
            #expect(FlatJSONWriter.object(object) == encoded.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    @Test func theEmptyObjectAndAnEscapedOne() throws {
        #expect(FlatJSONWriter.object([:]) == "{}")
        // `<` puts "e" first (it compares "á"); the encoder and the writer compare bytes.
        #expect(FlatJSONWriter.object(["e": "", "a\u{301}": ""]) == "{\"a\u{301}\":\"\",\"e\":\"\"}")
        let encoded = try JSONEncoder.jobs.encode(["e": "", "a\u{301}": ""])
        #expect(FlatJSONWriter.object(["e": "", "a\u{301}": ""]) == String(decoding: encoded, as: UTF8.self))
        #expect(FlatJSONWriter.object(["b": "x/y", "a": "\"\u{1}\n"]) == #"{"a":"\"\u0001\n","b":"x\/y"}"#)
    }

    /// The email job's payload, written without the encoder, is the encoded job for every status and template.
    @Test func anOrderEmailJobsPayloadIsTheEncodedJob() throws {
        for status in OrderStatus.allCases {
            for template in EmailTemplate.allCases {
                let job = OrderEmailJob(orderID: "01a23b72-d1a1-757d-9a71-ddf627297b4e", status: status, template: template)
                let request = job.request(priority: 5)
                #expect(request.payload == String(decoding: try JSONEncoder.jobs.encode(job), as: UTF8.self))
                #expect(try JSONDecoder.jobs.decode(OrderEmailJob.self, from: Data(request.payload.utf8)) == job)
                #expect(request.idempotencyKey == job.messageID && request.kind == OrderEmailJob.kind && request.maxAttempts == 10)
            }
        }
    }
}
