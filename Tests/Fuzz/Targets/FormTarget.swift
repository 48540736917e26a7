import WharfHTTP
import WharfWire

/// `application/x-www-form-urlencoded` bodies and query strings: `FormDecoding` (WharfHTTP), which
/// every form, query and percent-encoded path goes through.
///
/// Asserts: decoding never fails on a well-formed escape and gives nil exactly when an escape is
/// malformed; `decode(encode(s)) == s` for the input as text; re-encoding the decoded pairs and
/// decoding again gives the same pairs (decoding is stable); no more pairs than `&`-separated
/// pieces; the query of a request target decodes as its pairs.
enum FormTarget {
    static let target = FuzzTarget(
        name: "form",
        summary: "form/query decoding: encode→decode round trip, pairs stable under re-encoding, malformed escapes → nil",
        run: run)

    static func run(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        let pairs = FormDecoding.pairs(text)
        let pieces = text.split(separator: "&").count
        FuzzCheck.require(pairs.count == pieces, "\(pairs.count) pairs from \(pieces) pieces")

        // Re-encoding the pairs and decoding again gives them back.
        let reencoded = pairs.map { FormDecoding.encode($0.name) + "=" + FormDecoding.encode($0.value) }.joined(separator: "&")
        let again = FormDecoding.pairs(reencoded)
        FuzzCheck.require(
            again.map(\.name) == pairs.map(\.name) && again.map(\.value) == pairs.map(\.value),
            "pairs changed by re-encoding: \(pairs) → \(again)")

        // Encoding is undone by decoding, with or without plus-as-space.
        let encoded = FormDecoding.encode(text)
        FuzzCheck.require(encoded.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "&") }, "encoded \(encoded)")
        FuzzCheck.require(FormDecoding.decode(encoded) == text, "decode(encode(text)) != text")
        FuzzCheck.require(FormDecoding.decode(encoded, plusIsSpace: true) == text, "decode(encode(text), plus) != text")

        // nil exactly when a `%` is not followed by two hex digits.
        let bytes = FormDecoding.decodeBytes(text)
        FuzzCheck.require((bytes == nil) == hasMalformedEscape(Array(text.utf8)), "decodeBytes nil-ness for \(Array(text.utf8).prefix(64))")
        if let bytes {
            FuzzCheck.require(bytes.count <= text.utf8.count, "decoding grew the text")
            FuzzCheck.require((FormDecoding.decode(text) == nil) == (String(validating: bytes, as: UTF8.self) == nil), "decode vs UTF-8")
        }

        // A request's query decodes like the same text as a form.
        var head = HTTPRequestHead(method: .get, target: "/search?" + text)
        head.headers = ["Host": "localhost"]
        let request = HTTPRequest(head: head)
        FuzzCheck.require(request.query == text, "query \(request.query ?? "nil") of target /search?\(text)")
        FuzzCheck.require(
            request.queryItems.map(\.name) == pairs.map(\.name) && request.queryItems.map(\.value) == pairs.map(\.value),
            "queryItems differ from the form pairs")
    }

    static func hasMalformedEscape(_ utf8: [UInt8]) -> Bool {
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, utf8[index + 1].hexDigitValue != nil, utf8[index + 2].hexDigitValue != nil else { return true }
                index += 3
            } else {
                index += 1
            }
        }
        return false
    }
}
