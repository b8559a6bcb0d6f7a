/// A fast hash of a user id for the ledger's per-user counts, seeded per set of counts (``newSeed()``, kept by its
/// owner: no lazily made global to check on every call): user ids are ids the shop issued (UUIDs), not strings a client
/// picks, and the seed keeps their buckets unpredictable anyway. 8 bytes per multiply, where `Hasher` (SipHash) spends a
/// few rounds per 8 bytes and as many again to finish.
enum UserIDHash {
    static func newSeed() -> UInt64 { UInt64.random(in: .min ... .max) }

    /// Reads the id's bytes where they are (no copy of the string, so no retain of its storage); a string without
    /// contiguous UTF-8 (bridged) is made native first.
    static func of(_ id: String, seed: UInt64) -> Int {
        if let hash = id.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0), seed: seed) }) {
            return Int(truncatingIfNeeded: hash)
        }
        var native = id
        return native.withUTF8 { bytes in Int(truncatingIfNeeded: hash(UnsafeRawBufferPointer(bytes), seed: seed)) }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var state = seed ^ UInt64(truncatingIfNeeded: bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            state = mix(state ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        return mix(mix(state ^ tail))
    }

    /// One multiply and a fold of the high half into the low half (the tables pick buckets from the low bits).
    private static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        return product.high ^ product.low
    }
}
