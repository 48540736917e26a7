import Glibc
import Synchronization
import WharfIO
import WharfTLS
import WharfTestSupport

/// A small HTTPS server for tests of the server side of WharfTLS: it accepts on 127.0.0.1 and a
/// port the kernel picks, performs ``TLSConnection/accept(over:context:deadline:)`` with the
/// context `contexts` currently gives, and records each handshake's outcome.
///
/// After a handshake it reads lines: a request head (`GET …`, ended by a blank line) is answered
/// with a one-shot HTTP response whose body says what was negotiated
/// (`alpn=http/1.1 resumed=false version=TLSv1.3`), and the connection closes; any other line is
/// echoed back, so a test can hold a connection open across a reload.
final class TLSTestServer: Sendable {
    enum Outcome: Sendable, Equatable {
        case established(alpn: String?, resumed: Bool, version: String)
        case failed(TLSError)
        case otherFailure(String)
    }

    let port: UInt16
    let loop: EventLoop
    private let listener: Socket
    private let recorded: Locked<[Outcome]>
    private let acceptor: Task<Void, Never>

    init(handshakeDeadline: Double = 5, contexts: @escaping @Sendable () -> TLSServerContext) async throws {
        loop = try EventLoop.start(name: "tls-test-server")
        listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        guard let port = try listener.localAddress().port else { throw SystemError(code: EINVAL, operation: "no port") }
        self.port = port
        let recorded = Locked<[Outcome]>([])
        self.recorded = recorded
        let listener = self.listener
        let loop = self.loop
        acceptor = Task(executorPreference: loop) {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    guard let accepted = try? listener.accept() else {
                        do { try await listener.readiness.wait(.read) } catch { return }
                        continue
                    }
                    guard let socket = try? Socket(adopting: accepted.fd, loop: loop) else { continue }
                    group.addTask(executorPreference: loop) { [socket] in
                        let outcome = await Self.serve(socket, context: contexts(), deadline: handshakeDeadline)
                        recorded.withLock { $0.append(outcome) }
                    }
                }
            }
        }
    }

    /// Outcomes of the handshakes so far, in the order they ended.
    var outcomes: [Outcome] { recorded.withLock { $0 } }

    /// Waits (up to 10 s) until `count` handshakes have ended; returns the outcomes.
    func outcomes(count: Int) async -> [Outcome] {
        for _ in 0..<1000 where recorded.withLock({ $0.count }) < count { try? await Task.sleep(for: .milliseconds(10)) }
        return outcomes
    }

    func stop() async {
        listener.close()
        acceptor.cancel()
        await acceptor.value
        await loop.shutdown()
    }

    private static func serve(_ socket: Socket, context: TLSServerContext, deadline: Double) async -> Outcome {
        let connection: TLSConnection
        do {
            connection = try await TLSConnection.accept(over: socket, context: context, deadline: .after(seconds: deadline))
        } catch let error as TLSError {
            return .failed(error)
        } catch {
            return .otherFailure(String(describing: error))
        }
        defer { connection.close() }
        let outcome = Outcome.established(
            alpn: connection.negotiatedProtocol, resumed: connection.isResumedSession, version: connection.protocolVersion)
        let buffer = ByteBuffer()
        var pending: [UInt8] = []
        var head: [String] = []
        do {
            while true {
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingCharacters(in: "\r")
                    pending.removeSubrange(...newline)
                    if head.isEmpty, !line.hasPrefix("GET ") {
                        try await connection.write(Array("echo \(line)\n".utf8), deadline: .after(seconds: 5))
                        continue
                    }
                    head.append(line)
                    if line.isEmpty {
                        guard case .established(let alpn, let resumed, let version) = outcome else { return outcome }
                        let body = "alpn=\(alpn ?? "none") resumed=\(resumed) version=\(version)\n"
                        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
                            + "Connection: close\r\n\r\n" + body
                        try await connection.write(Array(response.utf8), deadline: .after(seconds: 5))
                        return outcome
                    }
                }
                let count = try await connection.read(into: buffer, chunk: 16 * 1024, deadline: .after(seconds: 300))
                if count == 0 { return outcome }
                pending += buffer.readBytes(upTo: count)
            }
        } catch {
            return outcome
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = self
        while text.last == character { text.removeLast() }
        return text
    }
}
