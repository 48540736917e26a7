import Glibc

/// `openssl s_server` on 127.0.0.1 and a port the kernel picks, as a child process.
///
/// Ready once it prints `ACCEPT 127.0.0.1:<port>` (OpenSSL 3 prints the bound address). `-www`
/// answers `GET /` with a status page; `-rev` sends every line back reversed. stdin is
/// /dev/null, which those two modes never read.
final class OpenSSLServer: Sendable {
    let port: UInt16
    private let process: ChildProcess

    /// Starts `s_server` with `arguments` added (certificates, `-Verify 1`, `-www`…).
    init(_ arguments: [String], certificates: TestCertificates) async throws {
        var template = Array("\(certificates.directory)/s_server-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw ChildProcess.Failure(description: "mkstemp: errno \(errno)") }
        close(fd)
        let log = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let process = try ChildProcess(["openssl", "s_server", "-accept", "127.0.0.1:0"] + arguments, logPath: log)
        let deadline = TestTime.now + 10
        while true {
            let output = ChildProcess.readText(log)
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
               let port = line.split(separator: ":").last.flatMap({ UInt16($0) }) {
                self.port = port
                break
            }
            var status: Int32 = 0
            if waitpid(process.pid, &status, WNOHANG) == process.pid || TestTime.now > deadline {
                process.terminate()
                throw ChildProcess.Failure(description: "s_server did not start:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        self.process = process
    }

    /// The server's output so far (verification errors, alerts).
    var log: String { ChildProcess.readText(process.logPath) }

    func stop() { process.terminate() }
}
