import Glibc
import WharfApp
import WharfIO

/// `wharf healthcheck`: exit 0 when the local server answers `GET /healthz` with 200 within 3 s,
/// 1 otherwise. It serves a container's `HEALTHCHECK`, where there is no shell or curl.
enum HealthcheckCommand {
    static let usage = """
        Usage: wharf healthcheck [--listen ADDR]

        Asks the server at ADDR (default: the first of WHARF_LISTEN, else 127.0.0.1:8080; an
        address on every interface is asked on loopback) for /healthz. Exit 0 when it answers 200.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let address: SocketAddress
        do {
            let parsed = try CommandLineArguments(arguments, options: ["--listen"], flags: ["--help", "-h"])
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
        } catch {
            printError("wharf healthcheck: \(error)")
            return 2
        }
        do {
            let loop = try EventLoop.start(name: "wharf-healthcheck")
            let status = await check(address, loop: loop)
            await loop.shutdown()
            return status
        } catch {
            printError("wharf healthcheck: \(error)")
            return 1
        }
    }

    private static func check(_ address: SocketAddress, loop: EventLoop) async -> Int32 {
        let deadline = Deadline.after(seconds: 3)
        do {
            let socket = try await Socket.connect(to: address, loop: loop, deadline: deadline)
            defer { socket.close() }
            let host = address.family == .ipv6 ? "[\(address.host)]" : address.host
            try await socket.write(Array("GET /healthz HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8), deadline: deadline)
            let buffer = ByteBuffer()
            var head: [UInt8] = []
            while head.count < 12 {
                let count = try await socket.read(into: buffer, deadline: deadline)
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
