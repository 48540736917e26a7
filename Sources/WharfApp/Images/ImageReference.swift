import WharfHTTP
import WharfWire

/// An image reference as the docker CLI reads one: `[registry[:port]/]path[:tag][@digest]`,
/// split into the repository (with its registry) and the tag or digest, and checked the way the
/// engine would (lower-case path components of letters, digits and separators; a tag of at most
/// 128 word characters, dots and dashes). Checking here gives the user a field error instead of
/// the engine's "invalid reference format".
struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    let repository: String
    let tag: String?
    let digest: String?

    /// - Parameter defaultTag: the tag when none is given (`latest` for pulls, nil to keep none).
    init?(_ text: String, defaultTag: String? = "latest") {
        var rest = Substring(text.trimmingASCIISpaces())
        guard !rest.isEmpty, rest.utf8.count <= 512 else { return nil }
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let value = rest[rest.index(after: at)...]
            guard Self.isDigest(value) else { return nil }
            digest = String(value)
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let value = rest[rest.index(after: colon)...]
            guard Self.isTag(value) else { return nil }
            tag = String(value)
            rest = rest[..<colon]
        }
        guard Self.isRepository(rest) else { return nil }
        repository = String(rest)
        self.tag = tag ?? (digest == nil ? defaultTag : nil)
        self.digest = digest
    }

    var description: String {
        repository + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }

    /// `[\w][\w.-]{0,127}`.
    static func isTag(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 128, isWord(first) else { return false }
        return text.utf8.allSatisfy { isWord($0) || $0 == 0x2E || $0 == 0x2D }
    }

    /// `algorithm:hex`, e.g. `sha256:` and 64 hex digits.
    static func isDigest(_ text: Substring) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].utf8.count >= 32 else { return false }
        return parts[0].utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
            && parts[1].utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A domain (`host[:port]`, which may have upper case) followed by lower-case path components
    /// separated by `/`, each `[a-z0-9]+` joined by `.`, `_`, `__` or `-`.
    static func isRepository(_ text: Substring) -> Bool {
        var components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.isEmpty, text.utf8.count <= 255 else { return false }
        if components.count > 1, components[0].contains(".") || components[0].contains(":") || components[0] == "localhost" {
            let domain = components.removeFirst()
            let parts = domain.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard !parts[0].isEmpty, parts[0].utf8.allSatisfy({ isAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D || ($0 >= 0x41 && $0 <= 0x5A) }),
                  parts.count == 1 || (UInt16(parts[1]) != nil) else { return false }
        }
        return components.allSatisfy { component in
            guard let first = component.utf8.first, let last = component.utf8.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
            return component.utf8.allSatisfy { isAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
    private static func isWord(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F }
}
