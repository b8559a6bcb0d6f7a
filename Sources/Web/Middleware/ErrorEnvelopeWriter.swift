import HTTPTypes
import NIOCore
import Storage

/// Writes ``ErrorEnvelope`` as JSON by hand, in the shape `JSONCoding.encoder` gives it (sorted keys, no escaped
/// slashes, `fields` left out when empty): an error answer is the common answer under load (a rush's sold-out
/// 409s), and a `JSONEncoder` with its boxes and generic metadata lookups for four short strings costs more than the
/// rest of that answer.
enum ErrorEnvelopeWriter {
    /// The headers of every envelope, built once (a rush answers thousands of 409s a second).
    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]

    /// The envelope, written straight into the buffer the response sends (one allocation, sized up front).
    static func buffer(code: String, message: String, fields: [String: String], requestID: String) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 96 + code.utf8.count + message.utf8.count + requestID.utf8.count)
        out.writeStaticString(#"{"error":{"code":"#)
        string(code, into: &out)
        if !fields.isEmpty {
            out.writeStaticString(#","fields":{"#)
            for (index, name) in fields.keys.sorted(by: FlatJSONWriter.sortsBefore).enumerated() {
                if index > 0 { out.writeStaticString(",") }
                string(name, into: &out)
                out.writeStaticString(":")
                string(fields[name] ?? "", into: &out)
            }
            out.writeStaticString("}")
        }
        out.writeStaticString(#","message":"#)
        string(message, into: &out)
        out.writeStaticString(#","requestId":"#)
        string(requestID, into: &out)
        out.writeStaticString("}}")
        return out
    }

    /// A JSON string, slashes as they are (``FlatJSONWriter/string(_:escapingSlashes:into:)``).
    static func string(_ value: String, into out: inout ByteBuffer) {
        FlatJSONWriter.string(value, escapingSlashes: false, into: &out)
    }
}
