/// Decides, byte by byte, whether a URL may appear in a URL attribute: relative URLs and the schemes http, https
/// and mailto pass; anything else (`javascript:`, `data:`, `vbscript:`) is blocked, as in Go's html/template.
///
/// It reads the URL the way browsers do (WHATWG URL §4.4): leading C0 controls and spaces are skipped and tabs and
/// newlines are ignored, so `\u{0} jav\tascript:` is still `javascript:`. A `:` before any `/`, `?` or `#` ends
/// a scheme; without one the URL is relative. Nothing is allocated.
struct URLSchemeScanner {
    enum Verdict: Equatable {
        case allowed, blocked
    }

    /// The replacement for a blocked URL: inert, and easy to spot in a page or a log.
    static let blockedReplacement: StaticString = "about:invalid#wharf-unsafe-url"

    private static let allowedSchemes: [UInt64] = ["http", "https", "mailto"].map { pack(Array($0.utf8)) }

    private var started = false
    private var scheme: UInt64 = 0
    private var schemeLength = 0
    private(set) var verdict: Verdict?

    mutating func feed(_ byte: UInt8) {
        guard verdict == nil else { return }
        if !started {
            if byte <= 0x20 { return }
            started = true
        }
        switch byte {
        case 0x09, 0x0A, 0x0D:
            return
        case UInt8(ascii: ":"):
            verdict = schemeLength <= 8 && Self.allowedSchemes.contains(scheme) ? .allowed : .blocked
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
            verdict = .allowed
        default:
            schemeLength += 1
            if schemeLength <= 8 { scheme = scheme << 8 | UInt64(HTMLContext.lowercased(byte)) }
        }
    }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            if verdict != nil { return }
            feed(byte)
        }
    }

    /// The verdict once the whole URL has been fed: no scheme means relative, which is allowed.
    var finalVerdict: Verdict { verdict ?? .allowed }

    static func isAllowed(_ url: some Sequence<UInt8>) -> Bool {
        var scanner = URLSchemeScanner()
        scanner.feed(url)
        return scanner.finalVerdict == .allowed
    }

    private static func pack(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
