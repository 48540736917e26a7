import Glibc
import WharfApp
import WharfIO
import WharfTLS

/// `wharf healthcheck`: exit 0 when the local server answers `GET /healthz` with 200 within 3 s,
/// 1 otherwise. It serves a container's `HEALTHCHECK`, where there is no shell or curl.
enum HealthcheckCommand {
    static let usage = """
        Usage: wharf healthcheck [--listen ADDR] [--tls-cert FILE] [--data-dir DIR]

        Asks the server at ADDR (default: the first of WHARF_LISTEN, else 127.0.0.1:8080; an
        address on every interface is asked on loopback) for /healthz. Exit 0 when it answers 200.
        When the server serves HTTPS (--tls-cert or WHARF_TLS_CERT, or WHARF_TLS_SELF_SIGNED=1 with
        the certificate in the data directory), it asks over TLS, trusting exactly that certificate.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let address: SocketAddress
        var certificateFile: String?
        do {
            let parsed = try CommandLineArguments(arguments, options: ["--listen", "--tls-cert", "--data-dir"], flags: ["--help", "-h"])
            if parsed.has("--help") || parsed.has("-h") {
                print(usage)
                return 0
            }
            guard parsed.positionals.isEmpty else { throw CommandLineArguments.UsageError(description: "unexpected argument \(parsed.positionals[0])") }
            let listen = try WharfConfiguration.parseListen(parsed.value("--listen", environment: "WHARF_LISTEN") ?? WharfConfiguration.defaultListen)
            guard let first = listen.first(where: { $0.family != .unix }) else {
                throw CommandLineArguments.UsageError(description: "no TCP address to ask")
            }
            let host = first.host == "0.0.0.0" ? "127.0.0.1" : first.host == "::" ? "::1" : first.host
            address = try SocketAddress(ip: host, port: first.port ?? 8080)
            if let file = parsed.value("--tls-cert", environment: "WHARF_TLS_CERT") {
                certificateFile = file
            } else if parsed.has("--tls-self-signed", environment: "WHARF_TLS_SELF_SIGNED") {
                let data = parsed.value("--data-dir", environment: "WHARF_DATA_DIR") ?? WharfConfiguration.defaultDataDirectory
                certificateFile = data + "/" + SelfSignedCertificate.certificateFileName
            }
        } catch {
            printError("wharf healthcheck: \(error)")
            return 2
        }
        do {
            let loop = try EventLoop.start(name: "wharf-healthcheck")
            let tls = try certificateFile.map { try pinnedTLS($0, host: address.host) }
            let status = await check(address, tls: tls, loop: loop)
            await loop.shutdown()
            return status
        } catch {
            printError("wharf healthcheck: \(error)")
            return 1
        }
    }

    /// A client context trusting exactly the certificate in `file` (the one the server presents),
    /// and the name to check it against: `host` when the certificate names it, else its first name.
    private static func pinnedTLS(_ file: String, host: String) throws -> (context: TLSContext, serverName: String) {
        let pem = try readAll(file)
        let names = try CertificateInfo.parse(pem: pem).first?.subjectAlternativeNames ?? []
        var configuration = TLSClientConfiguration(certificateAuthorityPEM: pem)
        configuration.acceptsServerCertificateAsAuthority = true
        let serverName = names.contains("IP:" + host) ? host
            : names.first(where: { $0.hasPrefix("DNS:") }).map { String($0.dropFirst(4)) } ?? host
        return (try TLSContext(client: configuration), serverName)
    }

    private static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(code: errno, operation: "open \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw SystemError(code: errno, operation: "read \(path)") }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    private static func check(_ address: SocketAddress, tls: (context: TLSContext, serverName: String)?, loop: EventLoop) async -> Int32 {
        let deadline = Deadline.after(seconds: 3)
        do {
            let socket = try await Socket.connect(to: address, loop: loop, deadline: deadline)
            let stream: any ByteStream = if let tls {
                try await TLSConnection.connect(over: socket, context: tls.context, serverName: tls.serverName, deadline: deadline)
            } else {
                socket
            }
            defer { stream.close() }
            let host = address.family == .ipv6 ? "[\(address.host)]" : address.host
            try await stream.write(Array("GET /healthz HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8), deadline: deadline)
            let buffer = ByteBuffer()
            var head: [UInt8] = []
            while head.count < 12 {
                let count = try await stream.read(into: buffer, chunk: 16 * 1024, deadline: deadline)
                if count == 0 { break }
                head += buffer.readBytes(upTo: count)
            }
            let line = String(decoding: head.prefix(12), as: UTF8.self)
            guard line.hasPrefix("HTTP/1.1 200") || line.hasPrefix("HTTP/1.0 200") else {
                printError("wharf healthcheck: \(address) answered \(line.isEmpty ? "nothing" : line)")
                return 1
            }
            return 0
        } catch {
            printError("wharf healthcheck: \(address): \(error)")
            return 1
        }
    }
}
