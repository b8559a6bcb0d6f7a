extension ShippingAddress {
    /// The address as an object of its six fields, keys in ascending order: what the encoder writes for it inside an
    /// order's answer and inside a checkout request's fingerprint.
    public func write(into json: inout JSONTextWriter) {
        json.beginObject()
        json.field("city", city)
        json.field("district", district)
        json.field("line", line)
        json.field("name", name)
        json.field("phone", phone)
        json.field("ward", ward)
        json.endObject()
    }
}
