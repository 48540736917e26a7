import Glibc
import Testing

/// The test fleet's engines and TLS material (`eval "$(deploy/dev/fleet.sh env)"`). Without it the
/// fleet tests record nothing, unless `WHARF_REQUIRE_FLEET=1`, when a missing fleet is a failure.
struct HostFleet {
    let engineA: String
    /// Engine B as an https:// address (the fleet exports it as tcp://).
    let engineB: String
    let engineC: String
    let expired: String
    let mismatch: String
    let caPath, certPath, keyPath, wrongCAPath, wrongCertPath, wrongKeyPath: String

    var ca: String { Self.text(caPath) }
    var cert: String { Self.text(certPath) }
    var key: String { Self.text(keyPath) }
    var wrongCA: String { Self.text(wrongCAPath) }
    var wrongCert: String { Self.text(wrongCertPath) }
    var wrongKey: String { Self.text(wrongKeyPath) }

    static let names = [
        "WHARF_TEST_ENGINE_A", "WHARF_TEST_ENGINE_B", "WHARF_TEST_ENGINE_C", "WHARF_TEST_TLS_EXPIRED_ADDR",
        "WHARF_TEST_TLS_MISMATCH_ADDR", "WHARF_TEST_TLS_CA", "WHARF_TEST_TLS_CLIENT_CERT", "WHARF_TEST_TLS_CLIENT_KEY",
        "WHARF_TEST_TLS_WRONG_CA", "WHARF_TEST_TLS_WRONG_CLIENT_CERT", "WHARF_TEST_TLS_WRONG_CLIENT_KEY",
    ]

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static func load() -> HostFleet? {
        let values = names.map(environment)
        guard values.allSatisfy({ $0 != nil }) else {
            if environment("WHARF_REQUIRE_FLEET") == "1" {
                let missing = zip(names, values).filter { $0.1 == nil }.map(\.0)
                Issue.record(Comment(rawValue: "WHARF_REQUIRE_FLEET=1 but the fleet environment is incomplete (missing \(missing)); "
                    + "run eval \"$(deploy/dev/fleet.sh start)\""))
            }
            return nil
        }
        let v = values.map { $0 ?? "" }
        return HostFleet(
            engineA: v[0], engineB: v[1].replacing("tcp://", with: "https://"), engineC: v[2],
            expired: "https://" + v[3], mismatch: "https://" + v[4],
            caPath: v[5], certPath: v[6], keyPath: v[7], wrongCAPath: v[8], wrongCertPath: v[9], wrongKeyPath: v[10])
    }

    static func text(_ path: String) -> String { String(decoding: readFile(path), as: UTF8.self) }
}
