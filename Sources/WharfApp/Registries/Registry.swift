import WharfHTTP
import WharfSQLite
import WharfWire

/// Credentials admins store for a registry, used for pulls and pushes of images it holds. The
/// password (or token) stays sealed under `secret.key` (label `registry:<id>:secret`) and is
/// opened only to build an `X-Registry-Auth` header or a login check.
struct Registry: Sendable, Equatable {
    let id: Int64
    /// `host[:port]` as image references name it; `docker.io` for Docker Hub.
    let address: String
    let username: String
    let secretSealed: [UInt8]
    let createdMs: Int64
    let updatedMs: Int64

    init(row: Row) throws {
        id = try row.get("id")
        address = try row.get("address")
        username = try row.get("username")
        secretSealed = try row.get("secret_sealed")
        createdMs = try row.get("created_ms")
        updatedMs = try row.get("updated_ms")
    }

    static func sealLabel(id: Int64) -> String { "registry:\(id):secret" }

    /// The `serveraddress` the engine expects: Docker Hub's v1 index for `docker.io`.
    var serverAddress: String { address == "docker.io" ? "https://index.docker.io/v1/" : address }

    /// The registry an image reference lives in, as the docker CLI decides: the first path
    /// component when it has a `.` or `:` or is `localhost`, otherwise Docker Hub.
    static func domain(of reference: String) -> String {
        let parts = reference.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return "docker.io" }
        let first = parts[0]
        if first.contains(".") || first.contains(":") || first == "localhost" { return normalize(String(first)) }
        return "docker.io"
    }

    /// `https://Registry.Example:5000/` → `registry.example:5000`; Docker Hub's other names → `docker.io`.
    static func normalize(_ address: String) -> String {
        var text = address.trimmingASCIISpaces().lowercased()
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text = String(text.dropFirst(scheme.count)) }
        while text.hasSuffix("/") { text.removeLast() }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        return ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "hub.docker.com"].contains(text) ? "docker.io" : text
    }

    static let columns = "id, address, username, secret_sealed, created_ms, updated_ms"
}
