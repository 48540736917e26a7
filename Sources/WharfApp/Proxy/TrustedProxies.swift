package import WharfWire
import WharfHTTP

/// The reverse proxies Wharf believes (`--trusted-proxy CIDR[,…]`, `WHARF_TRUSTED_PROXY`): only on
/// connections from them are `Forwarded` (RFC 7239) or `X-Forwarded-For`/`X-Forwarded-Proto`
/// read, for client addresses in audit rows, throttling and the access log, and for the scheme.
///
/// The client is found by walking the forwarding chain from the nearest hop outwards while each
/// hop is a trusted proxy: a client cannot forge its address by sending the header itself, since
/// the first proxy appends the address it really saw, which is where the walk stops.
package struct TrustedProxies: Sendable {
    package let ranges: [AddressRange]

    package init(_ ranges: [AddressRange]) { self.ranges = ranges }

    package var isEmpty: Bool { ranges.isEmpty }

    package func trusts(_ address: String) -> Bool { ranges.contains { $0.contains(address) } }

    /// What a request says about its origin, believed only from a trusted peer.
    package struct Origin: Sendable, Equatable {
        /// The client's address: the peer's own, or the one a trusted proxy forwarded.
        package var client: String
        /// `true`/`false` when a trusted proxy said `https`/`http`; nil when nobody said.
        package var https: Bool?
    }

    /// The client address and scheme for a request from `peer` with `headers`.
    package func resolve(peer: String, headers: HTTPHeaders) -> Origin {
        guard !ranges.isEmpty, trusts(peer) else { return Origin(client: peer, https: nil) }
        let forwarded = headers.values("Forwarded")
        let hops: [String]
        let scheme: String?
        if !forwarded.isEmpty {
            let elements = forwarded.flatMap { Self.elements($0) }
            hops = elements.compactMap { $0["for"] }
            scheme = elements.first?["proto"]
        } else {
            hops = headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }.map { String($0.trimmingASCIISpaces()) }
            scheme = headers.values("X-Forwarded-Proto").first?.split(separator: ",").first.map { String($0.trimmingASCIISpaces()) }
        }
        var client = peer
        for hop in hops.reversed() {
            guard trusts(client), let address = Self.address(hop) else { break }
            client = address
        }
        let https: Bool? = switch scheme?.lowercased() {
        case "https": true
        case "http": false
        default: nil
        }
        return Origin(client: client, https: https)
    }

    /// A hop as a numeric address: quotes, brackets and a port removed; nil for `unknown`,
    /// obfuscated identifiers (`_hidden`) and anything else that is not an IP address.
    static func address(_ hop: String) -> String? {
        var text = Substring(hop)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]  // IPv4 with a port
        }
        let candidate = String(text)
        guard let bytes = AddressRange.bytes(of: candidate) else { return nil }
        // The IPv4 form of an IPv4-mapped address, as the access log prints IPv4 peers.
        return bytes.count == 4 && candidate.contains(":") ? bytes.map(String.init).joined(separator: ".") : candidate
    }

    /// The elements of one `Forwarded` field value: `for=…;proto=…, for=…` → one dictionary
    /// each, names lower-cased, quoted values unquoted (commas and semicolons inside quotes kept).
    static func elements(_ value: String) -> [[String: String]] {
        var elements: [[String: String]] = []
        var current: [String: String] = [:]
        var pair = ""
        var quoted = false
        func endPair() {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                var value = String(parts[1].trimmingASCIISpaces())
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                current[parts[0].trimmingASCIISpaces().lowercased()] = value
            }
            pair = ""
        }
        for character in value {
            if character == "\"" { quoted.toggle() }
            if !quoted, character == ";" {
                endPair()
            } else if !quoted, character == "," {
                endPair()
                elements.append(current)
                current = [:]
            } else {
                pair.append(character)
            }
        }
        endPair()
        elements.append(current)
        return elements.filter { !$0.isEmpty }
    }
}
