import WharfDocker
import WharfHTTP

/// The Engine API path and query of a call through the endpoint, read the way the engine reads
/// them, and written back canonically for forwarding.
///
/// The engine's router matches the *decoded* path (Go's `URL.Path`, gorilla/mux without
/// `UseEncodedPath`) and reads queries with `url.ParseQuery` (`+` is a space). Wharf decodes the
/// same way, matches its allowlist against the decoded segments, and forwards the segments and
/// query pairs re-encoded (``DockerPath``, ``DockerQuery``), so the call it checked is the call
/// the engine routes. Anything whose reading could differ is refused instead: malformed escapes,
/// `.`/`..` or empty segments (mux would redirect), and `;` in the query (older Go split on it).
struct EngineTarget: Sendable {
    /// `v1.41` when the client put a version before the path; nil for unversioned calls (`/_ping`).
    let version: String?
    /// The decoded path segments after the version.
    let segments: [String]
    /// The decoded query pairs, in order.
    let query: [(name: String, value: String)]

    /// Why a target is refused; `message` is shown to the client (400).
    struct Refusal: Error, Equatable {
        let message: String
    }

    /// Reads `rawPath` (the router's wildcard: everything after `/docker/`, still encoded) and
    /// `rawQuery` (without `?`, still encoded).
    init(rawPath: String, rawQuery: String?) throws(Refusal) {
        guard let decoded = FormDecoding.decodeBytes(rawPath), let path = String(validating: decoded, as: UTF8.self) else {
            throw Refusal(message: "The path has a malformed percent-escape or is not UTF-8.")
        }
        var segments = path.isEmpty ? [] : path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw Refusal(message: "The path has empty, '.' or '..' segments; send the canonical path.")
        }
        if let first = segments.first, Self.isVersion(first) {
            version = first
            segments.removeFirst()
        } else {
            version = nil
        }
        self.segments = segments
        var pairs: [(name: String, value: String)] = []
        if let rawQuery, !rawQuery.isEmpty {
            guard !rawQuery.contains(";") else {
                throw Refusal(message: "The query contains ';', which engines of different Go versions read differently.")
            }
            for part in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
                let equals = part.firstIndex(of: "=")
                let rawName = equals.map { part[..<$0] } ?? part
                let rawValue = equals.map { part[part.index(after: $0)...] } ?? ""
                guard let name = FormDecoding.decodeBytes(rawName, plusIsSpace: true).flatMap({ String(validating: $0, as: UTF8.self) }),
                      let value = FormDecoding.decodeBytes(rawValue, plusIsSpace: true).flatMap({ String(validating: $0, as: UTF8.self) })
                else {
                    throw Refusal(message: "The query has a malformed percent-escape or is not UTF-8.")
                }
                pairs.append((name, value))
            }
        }
        query = pairs
    }

    /// `v1.41`: `v`, digits, `.`, digits.
    static func isVersion(_ segment: String) -> Bool {
        let parts = segment.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        return segment.hasPrefix("v") && parts.count == 2
            && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }
    }

    /// The first value of query parameter `name` (exact, as Go's `Form.Get`).
    func value(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Whether any parameter is named `name`, ignoring case (stricter than the engine, for refusals).
    func has(_ name: String) -> Bool { query.contains { $0.name.lowercased() == name.lowercased() } }

    /// The path the client asked for, decoded, without the version: `/containers/abc/start`.
    var path: String { "/" + segments.joined(separator: "/") }

    /// The path to forward: the version (if any) and every segment, each percent-encoded.
    var forwardPath: DockerPath { DockerPath(segments: (version.map { [$0] } ?? []) + segments) }

    /// The query to forward, every name and value percent-encoded.
    var forwardQuery: DockerQuery {
        var query = DockerQuery()
        for (name, value) in self.query { query.add(name, value) }
        return query
    }

    /// Whether the query carries something shaped like a Wharf API token (in a name or a value), or
    /// a parameter that names one: tokens belong in `Authorization`, never in an address that
    /// proxies, shells and engines log.
    var carriesToken: Bool {
        let names: Set<String> = ["access_token", "token", "api_token", "bearer", "authorization"]
        return query.contains { pair in
            names.contains(pair.name.lowercased()) || Self.containsToken(pair.name) || Self.containsToken(pair.value)
        }
    }

    /// Whether `text` holds `wharf_` followed by a token's 8-character prefix and `_`.
    static func containsToken(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let marker = Array(APITokenStore.tokenPrefix.utf8)
        guard bytes.count >= marker.count + 9 else { return false }
        for start in 0...(bytes.count - marker.count - 9) where Array(bytes[start..<start + marker.count]) == marker {
            let prefix = bytes[(start + marker.count)..<(start + marker.count + 8)]
            let isPrefix = prefix.allSatisfy { (0x61...0x7A).contains($0) || (0x32...0x39).contains($0) }
            if isPrefix && bytes[start + marker.count + 8] == UInt8(ascii: "_") { return true }
        }
        return false
    }
}
