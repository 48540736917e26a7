package import WharfHTTP
import WharfWire

/// Reading the `Cookie` header and writing `Set-Cookie` (RFC 6265).
package enum Cookies {
    /// The value of cookie `name`, from every `Cookie` field of the request: the first pair with
    /// that name. Split on the bytes `;` and `=` (RFC 6265 §5.4), not on Characters, which a
    /// combining mark after either would extend; names compare byte for byte.
    package static func value(_ name: String, in request: HTTPRequest) -> String? {
        for field in request.headers.values("Cookie") {
            for pair in field.utf8.split(separator: UInt8(ascii: ";")) {
                var start = pair.startIndex, end = pair.endIndex
                while start < end, pair[start] == 0x20 || pair[start] == 0x09 { start = pair.index(after: start) }
                while end > start, pair[pair.index(before: end)] == 0x20 || pair[pair.index(before: end)] == 0x09 {
                    end = pair.index(before: end)
                }
                let trimmed = pair[start..<end]
                guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { continue }
                if trimmed[..<equals].elementsEqual(name.utf8) {
                    return String(decoding: trimmed[trimmed.index(after: equals)...], as: UTF8.self)
                }
            }
        }
        return nil
    }

    /// The name a Wharf cookie has on this connection: with the `__Host-` prefix over TLS, which
    /// makes browsers insist on `Secure`, `Path=/` and no `Domain` (RFC 6265bis §4.1.3.2).
    package static func name(_ base: String, secure: Bool) -> String {
        secure ? "__Host-" + base : base
    }

    /// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` over TLS.
    /// - Parameter maxAge: seconds; nil for a cookie that ends with the browser session, 0 to delete.
    package static func setCookie(_ name: String, _ value: String, secure: Bool, maxAge: Int64?) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secure { text += "; Secure" }
        return text
    }

    /// A `Set-Cookie` value that deletes cookie `name`.
    package static func deleteCookie(_ name: String, secure: Bool) -> String {
        setCookie(name, "", secure: secure, maxAge: 0)
    }
}
