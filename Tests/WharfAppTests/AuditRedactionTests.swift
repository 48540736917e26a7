import Testing
import WharfApp

/// Parameters whose key looks secret never reach the audit in clear.
@Suite struct AuditRedactionTests {
    @Test func secretLookingKeysAreRedactedInAnyCase() {
        let parameters = [
            "Password": "p", "new_secret": "s", "X-Registry-AUTH": "a", "api_key": "k", "totp": "t", "recovery_codes": "c",
            "passphrase": "pp", "TOKEN_prefix": "tp", "call": "POST /containers/{id}/start", "bytes_in": "12", "k": "v",
            "ke": "v", "": "empty",
        ]
        let redacted = AuditEntry.redacted(parameters)
        for key in ["Password", "new_secret", "X-Registry-AUTH", "api_key", "totp", "recovery_codes", "passphrase", "TOKEN_prefix"] {
            #expect(redacted[key] == "[redacted]", "\(key)")
        }
        for key in ["call", "bytes_in", "k", "ke", ""] {
            #expect(redacted[key] == parameters[key], "\(key)")
        }
    }
}
