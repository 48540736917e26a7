import WharfSQLite

/// A Docker engine registered in Wharf: a row of `hosts`.
///
/// The CA bundle and client certificate are public PEM text; the client key is only ever held
/// sealed (``SecretKey``, label ``sealLabel(id:)``) and opened by ``HostRegistry`` to build a client.
package struct DockerHost: Sendable, Equatable {
    package var id: Int64
    package var name: String
    /// `unix:///path`, `tcp://host:port` or `https://host:port`.
    package var url: String
    package var certificateAuthorityPEM: String?
    package var certificatePEM: String?
    package var sealedKey: [UInt8]?
    package var createdMilliseconds: Int64
    package var updatedMilliseconds: Int64

    static let columns = "id, name, url, tls_ca_pem, tls_cert_pem, tls_key_sealed, created_ms, updated_ms"

    init(row: Row) throws {
        id = try row.get(0)
        name = try row.get(1)
        url = try row.get(2)
        certificateAuthorityPEM = try row.get(3)
        certificatePEM = try row.get(4)
        sealedKey = try row.get(5)
        createdMilliseconds = try row.get(6)
        updatedMilliseconds = try row.get(7)
    }

    /// Whether Wharf talks TLS to this engine (it has a CA bundle).
    package var usesTLS: Bool { certificateAuthorityPEM != nil }
    /// Whether Wharf presents a client certificate (mutual TLS).
    package var hasClientCertificate: Bool { certificatePEM != nil }

    /// The associated data the client key is sealed under: a sealed key copied to another host's
    /// row does not open.
    package static func sealLabel(id: Int64) -> String { "host:\(id):tls-key" }

    /// How the host is reached, for lists: "unix socket", "TCP", "mutual TLS", "TLS".
    package var transportLabel: String {
        if url.hasPrefix("unix://") { return "unix socket" }
        if hasClientCertificate { return "mutual TLS" }
        return usesTLS ? "TLS" : "TCP"
    }
}
