import WharfIO
import WharfTestSupport

/// A loopback TCP link in front of a real engine's unix socket, which a test can set to cut or
/// freeze the engine's answer after so many bytes: what the client sees when an engine dies or
/// hangs in the middle of a response.
final class EngineLink: Sendable {
    enum Fault: Sendable, Equatable {
        case none
        /// Forward this many bytes of the engine's answer, then close both connections.
        case cutAfter(Int)
        /// Forward this many bytes of the engine's answer, then forward nothing more.
        case stallAfter(Int)
    }

    let url: String
    private let listener: Socket
    private let fault: Locked<Fault>
    private let pairs = Locked<[(client: Socket, engine: Socket)]>([])
    /// Every pump, awaited by ``close()`` before any socket is closed: a socket must not be closed
    /// while a pump may still read it (its descriptor number could be reused).
    private let pumps = Locked<[Task<Void, Never>]>([])
    /// Set by ``close()``: a stalled pump stops holding its connection.
    private let closing = Locked(false)
    private let acceptor: Task<Void, Never>

    /// Listens on 127.0.0.1 and forwards each connection to `engine` (a `unix://` URL).
    init(engine: String, fault: Fault) throws {
        guard engine.hasPrefix("unix://") else { throw RawHTTPClient.Failure.malformed("not a unix:// engine: \(engine)") }
        let target = try SocketAddress(unixPath: String(engine.dropFirst("unix://".count)))
        let loop = Fleet.group.next()
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        self.listener = listener
        self.fault = Locked(fault)
        url = "tcp://127.0.0.1:\(try listener.localAddress().port ?? 0)"
        let (pairs, pumps, closing, faultState) = (pairs, pumps, closing, self.fault)
        acceptor = Task {
            while !Task.isCancelled {
                do {
                    guard let (fd, _) = try listener.accept() else {
                        try await listener.readiness.wait(.read)
                        continue
                    }
                    let client = try Socket(adopting: fd, loop: loop)
                    let engine = try await Socket.connect(to: target, loop: loop, deadline: .after(seconds: 5))
                    pairs.withLock { $0.append((client, engine)) }
                    let up = Task { await EngineLink.pump(from: client, to: engine, fault: nil, closing: closing) }
                    let down = Task { await EngineLink.pump(from: engine, to: client, fault: faultState, closing: closing) }
                    pumps.withLock { $0 += [up, down] }
                } catch {
                    return
                }
            }
        }
    }

    /// Changes the fault for what is forwarded from now on.
    func set(_ newFault: Fault) { fault.withLock { $0 = newFault } }

    /// Ends the link: every connection is shut down, then closed.
    func close() async {
        closing.withLock { $0 = true }
        acceptor.cancel()
        listener.shutdownBoth()
        await acceptor.value
        let all = pairs.withLock { list in defer { list = [] }; return list }
        for pair in all {
            pair.client.shutdownBoth()
            pair.engine.shutdownBoth()
        }
        // The pumps see end of stream (or the closing flag) and leave; only then are the
        // descriptors closed.
        for pump in pumps.withLock({ list in defer { list = [] }; return list }) { await pump.value }
        for pair in all {
            pair.client.close()
            pair.engine.close()
        }
        listener.close()
    }

    private static func pump(from source: Socket, to sink: Socket, fault: Locked<Fault>?, closing: Locked<Bool>) async {
        let buffer = ByteBuffer()
        var forwarded = 0
        while true {
            guard let count = try? await source.read(into: buffer, chunk: 16 * 1024, deadline: nil), count > 0 else { break }
            var bytes = buffer.readBytes(upTo: count)
            var after: Fault = .none
            switch fault?.value ?? .none {
            case .none: break
            case .cutAfter(let limit), .stallAfter(let limit):
                if forwarded + bytes.count >= limit {
                    bytes = Array(bytes.prefix(max(0, limit - forwarded)))
                    after = fault?.value ?? .none
                }
            }
            if !bytes.isEmpty {
                guard (try? await sink.write(bytes, deadline: .after(seconds: 5))) != nil else { break }
                forwarded += bytes.count
            }
            switch after {
            case .none: continue
            case .cutAfter: break
            case .stallAfter:
                // Frozen: hold the connection open, sending nothing, until the link closes.
                while !sink.isPeerClosed, !closing.value { try? await Task.sleep(nanoseconds: 20_000_000) }
            }
            break
        }
        sink.shutdownBoth()
        source.shutdownBoth()
    }
}
