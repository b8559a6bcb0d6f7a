import Hummingbird

extension Request {
    /// The JSON body as `T`, read by `fastPath` when it answers, else exactly as `decode(as:context:)` reads it (its
    /// 415 for a body that is not JSON, its 400 for one that does not decode). `fastPath` must answer only bodies
    /// `JSONDecoder` decodes to the same value, and nil for every other one, malformed ones included.
    func decode<T: Decodable>(as type: T.Type, context: some RequestContext, fastPath: (ByteBuffer) -> T?) async throws -> T {
        guard JSONCoding.isJSON(headers.value(of: .contentType)) else { return try await decode(as: type, context: context) }
        let body = try await self.body.collect(upTo: context.maxUploadSize)
        if let value = fastPath(body) { return value }
        var request = self
        request.body = .init(buffer: body)
        return try await request.decode(as: type, context: context)
    }
}
