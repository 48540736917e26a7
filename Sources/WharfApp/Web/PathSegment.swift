/// A name as one segment of a link (`/hosts/1/volumes/<name>`): percent-encoded, and a name that
/// equals a resource's fixed page (`new`, the create form) has its first letter encoded, so the
/// link reaches the object and not the page (the router matches literal segments before
/// decoding, and decodes parameters).
package enum PathSegment {
    package static let fixedPages: Set<String> = ["new"]

    package static func encode(_ name: String) -> String {
        var out = ""
        for (index, byte) in name.utf8.enumerated() {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved && !(index == 0 && fixedPages.contains(name)) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
