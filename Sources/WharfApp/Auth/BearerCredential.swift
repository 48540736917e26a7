import WharfWire

/// Reading `Authorization: Bearer <token>` (RFC 6750 §2.1), for API tokens and the metrics token.
/// One parser for both, so they cannot drift; `package` for the fuzz harness (`Tests/Fuzz`).
package enum BearerCredential {
    /// The token of an `Authorization` value whose scheme is `Bearer` (any case): what follows
    /// the first space, without surrounding spaces and tabs; nil for another scheme or no token.
    /// The split is on the space byte, as RFC 9110 §11.4 defines it, not on characters (a space
    /// followed by a combining mark is one `Character`).
    package static func token(_ authorization: String) -> String? {
        guard let space = authorization.utf8.firstIndex(of: UInt8(ascii: " ")),
              authorization[..<space].equalsIgnoringASCIICase("Bearer") else { return nil }
        let token = authorization[authorization.utf8.index(after: space)...].trimmingASCIISpaces()
        return token.isEmpty ? nil : String(token)
    }
}
