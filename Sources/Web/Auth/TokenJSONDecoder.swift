import Foundation
import JWTKit
import Synchronization

/// jwt-kit's JSON decoding for access tokens: its own default (`JSONDecoder`, dates as seconds since 1970), remembering
/// per type the last small document it decoded. Every token the shop issues carries the same header, so jwt-kit's read
/// of a new token's header (its `alg` and `kid`) is decoded once, not once per token: through `JSONDecoder` that read
/// was about a fiftieth of a checkout's CPU, each bench token being new (bench/PROFILES.md, nineteenth round).
///
/// Decoding is a function of the bytes and the type alone, so the value remembered for the same bytes is the one the
/// decoder would give again. Only value types are remembered (an instance of a class would be shared between callers),
/// and only documents of at most ``rememberedSize`` bytes: a token's payload, larger and different in every token, is
/// always decoded. A document that fails to decode is not remembered; a new one replaces the last of its type, so a
/// stream of odd headers costs what it cost before and no memory.
final class TokenJSONDecoder: JWTJSONDecoder {
    static let rememberedSize = 64

    private struct Remembered: @unchecked Sendable {  // `value` is a value type decoded from `bytes`, never mutated
        let bytes: Data
        let value: Any
    }

    private let decoder: JSONDecoder
    private let remembered = Mutex<[ObjectIdentifier: Remembered]>([:])
    /// Documents handed to `JSONDecoder` (tests count them).
    private let decodes = Atomic<Int>(0)

    init() {
        decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
    }

    var decoderRuns: Int { decodes.load(ordering: .relaxed) }

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard data.count <= Self.rememberedSize, !(T.self is AnyObject.Type) else { return try decoded(type, from: data) }
        let key = ObjectIdentifier(type)
        if let last = remembered.withLock({ $0[key] }), last.bytes == data, let value = last.value as? T { return value }
        let value = try decoded(type, from: data)
        remembered.withLock { $0[key] = Remembered(bytes: data, value: value) }
        return value
    }

    private func decoded<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        decodes.add(1, ordering: .relaxed)
        return try decoder.decode(type, from: data)
    }
}
