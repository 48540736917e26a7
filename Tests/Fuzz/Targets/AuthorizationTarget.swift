import WharfApp
import WharfWire

/// `Authorization` header parsing (`BearerCredential`, used for API tokens and the metrics
/// token), fed both raw and as a header value through the shared field parser.
///
/// Asserts: a token is found only after a `Bearer` scheme (any case) and a space, never with
/// surrounding spaces; the scheme's case does not matter; `Bearer <t>` gives back `t` for any
/// `t` that is not blank; the token-shape checks and the audit prefix never trap on it.
enum AuthorizationTarget {
    static let target = FuzzTarget(
        name: "authorization",
        summary: "Authorization: Bearer only (any case), token trimmed, Bearer <t> → t, shape checks total",
        run: run)

    static func run(_ input: [UInt8]) {
        let raw = String(decoding: input, as: UTF8.self)
        check(raw)
        // As the server sees it: a field value, trimmed, without control characters.
        let line = Array("Authorization: ".utf8) + input + [13, 10]
        if let headers = try? line.withUnsafeBytes({ raw throws(WireError) in
            try HTTPFieldParser.parse(raw, from: 0, to: line.count)
        }), let value = headers["Authorization"] {
            check(value)
        }
        // Any non-blank token comes back, trimmed, whatever the scheme's case.
        let trimmed = String(raw.trimmingASCIISpaces())
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let token = BearerCredential.token(scheme + " " + raw)
            FuzzCheck.require(token == (trimmed.isEmpty ? nil : trimmed), "\(scheme) <input> gave \(String(describing: token))")
        }
        FuzzCheck.require(BearerCredential.token("Basic " + raw) == nil, "a Basic credential read as a bearer token")
    }

    static func check(_ value: String) {
        guard let token = BearerCredential.token(value) else { return }
        let scheme = value.utf8.prefix(7).map { $0 | 0x20 }
        FuzzCheck.require(scheme == Array("bearer ".utf8), "token from scheme \(value.prefix(7))")
        FuzzCheck.require(token == String(token.trimmingASCIISpaces()), "untrimmed token \(token)")
        FuzzCheck.require(!token.isEmpty && BearerCredential.token("Bearer " + token) == token, "not stable: \(token)")
        if APITokenStore.looksLikeToken(token) {
            FuzzCheck.require(token.prefix(14).count == 14, "token prefix")
        }
    }
}
