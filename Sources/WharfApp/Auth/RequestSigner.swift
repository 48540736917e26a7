import WharfTLS

/// HMAC-SHA-256 under the server's signing key, for values the server hands out and checks later
/// without storing: CSRF tokens (per session, and per pre-session cookie for the sign-in and setup
/// forms) and the short-lived "password accepted, code pending" cookie.
package struct RequestSigner: Sendable {
    private let key: [UInt8]

    package init(key: [UInt8]) { self.key = key }

    private func mac(_ purpose: String, _ value: String) -> String {
        Base64URL.encode(HMAC.sha256(key: key, message: Array((purpose + "\u{0}" + value).utf8)))
    }

    /// The CSRF token of the session whose raw id is `rawSessionID`: rotating the id rotates it.
    package func csrfToken(session rawSessionID: String) -> String { mac("csrf-session", rawSessionID) }

    /// The CSRF token for forms shown before sign-in, bound to the pre-session cookie (a signed
    /// double-submit: a cross-site page can neither read the cookie nor compute the token).
    package func csrfToken(preSession value: String) -> String { mac("csrf-pre", value) }

    /// Whether `token` equals `expected`, in constant time.
    package static func matches(_ token: String, _ expected: String) -> Bool {
        constantTimeEquals(Array(token.utf8), Array(expected.utf8))
    }

    /// `payload.signature`; the payload must not contain `.`-free secrets (it is readable).
    package func sign(_ payload: String, purpose: String) -> String { payload + "." + mac(purpose, payload) }

    /// The payload of a value made by ``sign(_:purpose:)`` with the same purpose, nil if forged.
    package func verify(_ signed: String, purpose: String) -> String? {
        guard let dot = signed.lastIndex(of: ".") else { return nil }
        let payload = String(signed[..<dot])
        let signature = String(signed[signed.index(after: dot)...])
        return RequestSigner.matches(signature, mac(purpose, payload)) ? payload : nil
    }
}
