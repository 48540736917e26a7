import WharfApp
import WharfHTTP
import WharfTLS
import WharfWire

/// `Cookie` header parsing (`Cookies.value`, which finds the session, pre-session, flash and
/// second-factor cookies), and what reads a signed cookie's value: `RequestSigner.verify` and
/// `Base64URL.decode` (the flash cookie).
///
/// The input is up to four `Cookie` field values, one per line. Asserts: a value found never
/// holds `;`; a field added after the others, or one without the name before them, changes
/// nothing; a field naming the cookie first wins; a cookie as `Set-Cookie` writes it
/// (`name=value`) reads back as itself among other cookies; signed values verify only with
/// their purpose, and verify(sign(p)) = p; base64url decodes what it encodes.
enum CookieTarget {
    static let target = FuzzTarget(
        name: "cookie",
        summary: "Cookie: no ';' in values, other fields change nothing, first wins, Set-Cookie round trip; signed/base64url values",
        run: run)

    static let signer = RequestSigner(key: Array(repeating: 7, count: 32))

    static func run(_ input: [UInt8]) {
        let fields = input.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        var names = ["wharf_session", "__Host-wharf_session", "wharf_pre", FlashSigner.cookie, "wharf_2fa"]
        // A name the input itself uses, so the fuzzer steers which cookie is looked up.
        if let first = fields.first, let equals = first.firstIndex(of: "=") {
            names.append(String(first[..<equals].trimmingASCIISpaces()))
        }
        for name in names { check(name, fields: fields) }

        let text = fields.last ?? ""
        // Signed values (flash, second-factor cookies): only the right purpose verifies.
        let signed = signer.sign(text, purpose: "flash")
        FuzzCheck.require(signer.verify(signed, purpose: "flash") == text, "verify(sign(p)) != p")
        FuzzCheck.require(signer.verify(signed, purpose: "csrf") == nil, "a flash signature verified as csrf")
        if let payload = signer.verify(text, purpose: "flash") {
            FuzzCheck.require(text.hasPrefix(payload + "."), "verified payload \(payload) is not the value's start")
        }
        _ = Base64URL.decode(text).map { String(decoding: $0, as: UTF8.self) }
        FuzzCheck.require(Base64URL.decode(Base64URL.encode(input)) == input, "base64url round trip")
    }

    static func request(_ fields: [String]) -> HTTPRequest {
        var headers: HTTPHeaders = ["Host": "localhost"]
        for field in fields { headers.add("Cookie", field) }
        return HTTPRequest.make(.get, "/", headers: headers)
    }

    static func check(_ name: String, fields: [String]) {
        let found = Cookies.value(name, in: request(fields))
        if let found { FuzzCheck.require(!found.contains(";"), "value \(found) holds ';'") }
        // A name as a pair can carry it, judged on bytes as Cookies reads them: not empty, no `=`
        // or `;`, no space or tab at either end.
        let nameBytes = Array(name.utf8)
        let usable = !nameBytes.isEmpty && !nameBytes.contains(UInt8(ascii: "=")) && !nameBytes.contains(UInt8(ascii: ";"))
            && ![0x20, 0x09].contains(nameBytes[0]) && ![0x20, 0x09].contains(nameBytes[nameBytes.count - 1])
        guard usable else { return }
        // Other cookies are named after this one, so they can never be it.
        FuzzCheck.require(Cookies.value(name, in: request(fields + ["\(name)_other=1"])) == found, "a later field changed \(name)")
        FuzzCheck.require(Cookies.value(name, in: request(["\(name)_other=1; \(name)x=2"] + fields)) == found, "an earlier field changed \(name)")
        FuzzCheck.require(Cookies.value(name, in: request(["\(name)=first"] + fields)) == "first", "the first field did not win for \(name)")

        // What Set-Cookie writes comes back, among other cookies.
        // On bytes, as the header is read: without `;`, spaces and tabs trimmed.
        var bytes = Array((fields.first ?? "").utf8).filter { $0 != UInt8(ascii: ";") }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        let value = String(decoding: bytes, as: UTF8.self)
        let setCookie = Cookies.setCookie(name, value, secure: false, maxAge: 60)
        let sent = String(setCookie.prefix { $0 != ";" })
        let read = Cookies.value(name, in: request(["\(name)_a=1; " + sent + "; \(name)_b=2"]))
        FuzzCheck.require(read == value, "\(name)=\(Array(value.utf8)) read back as \(read.map { Array($0.utf8) } ?? [])")
    }
}
