import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTestSupport

/// A self-signed certificate and its key made with the `openssl` command line, valid `days` days:
/// it serves as CA bundle and as client certificate in tests that need no engine.
struct TestIdentity {
    let certificate: String
    let key: String

    static func make(days: Int = 365, commonName: String = "wharf-test-client") async throws -> TestIdentity {
        let directory = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem", "-days", String(days),
            "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=DNS:\(commonName).example,IP:127.0.0.1",
        ])
        let status = await child.waitForExit(timeout: 20)
        try #require(status == 0, "openssl req failed: \(child.standardError)")
        return TestIdentity(
            certificate: String(decoding: readFile(directory + "/cert.pem"), as: UTF8.self),
            key: String(decoding: readFile(directory + "/key.pem"), as: UTF8.self))
    }

    /// The base64 body of the key, one line of it: what must never be found in the database file.
    var keyBodyLine: String {
        key.split(separator: "\n").first { !$0.hasPrefix("-----") }.map(String.init) ?? key
    }
}

/// A listening unix socket at `path` (bound, never accepting), standing in for /var/run/docker.sock.
func makeUnixSocket(at path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SystemError(code: errno, operation: "socket") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 4) == 0 else {
        close(fd)
        throw SystemError(code: errno, operation: "bind")
    }
    return fd
}

/// Whether `needle` occurs in the bytes of the files at `paths` (a database and its WAL).
func filesContain(_ paths: [String], _ needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    for path in paths {
        let bytes = readFile(path)
        guard bytes.count >= pattern.count, !pattern.isEmpty else { continue }
        for start in 0...(bytes.count - pattern.count) where bytes[start] == pattern[0] {
            if bytes[start..<start + pattern.count].elementsEqual(pattern) { return true }
        }
    }
    return false
}

/// The bytes of the file at `path`, empty when it cannot be read.
func readFile(_ path: String) -> [UInt8] {
    FileManager.default.contents(atPath: path).map { Array($0) } ?? []
}
