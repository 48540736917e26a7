import Testing
import WharfIO
import WharfTLS

/// Data through an established connection: volume in both directions at once, a reader and a
/// writer on different tasks, bytes OpenSSL already holds, and closing.
@Suite struct TLSTransferTests {
    /// `s_server -rev` (every line comes back reversed), requiring a client certificate.
    static func reverser(_ certificates: TestCertificates, extra: [String] = []) async throws -> OpenSSLServer {
        try await TLSHandshakeTests.server(certificates, mode: "-rev", extra: extra)
    }

    /// Runs `body` with a connection to a fresh reverser, on an event loop of its own; closes the
    /// connection and stops the server afterwards.
    static func withReverser(
        _ name: String, extra: [String] = [], _ body: (TLSConnection, OpenSSLServer) async throws -> Void
    ) async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await reverser(certificates, extra: extra)
        defer { server.stop() }
        try await TLSTestHarness.withLoop(name) { loop in
            let connection = try await TLSTestHarness.connect(port: server.port, context: try TLSTestHarness.context(certificates), loop: loop)
            defer { connection.close() }
            try await body(connection, server)
        }
    }

    /// `count` lines of `length` letters (plus the newline), different from line to line.
    static func lines(count: Int, length: Int) -> [[UInt8]] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        return (0..<count).map { index in
            var line = [UInt8](repeating: UInt8(ascii: "\n"), count: length + 1)
            for position in 0..<length { line[position] = alphabet[(index &* 7 &+ position &* 13) % 26] }
            return line
        }
    }

    /// What `-rev` sends back for `lines`.
    static func reversed(_ lines: [[UInt8]]) -> [UInt8] {
        lines.flatMap { $0.dropLast().reversed() + [UInt8(ascii: "\n")] }
    }

    /// Reads exactly `count` bytes.
    static func read(_ count: Int, from connection: TLSConnection, deadline: Deadline) async throws -> [UInt8] {
        let buffer = ByteBuffer()
        var received: [UInt8] = []
        received.reserveCapacity(count)
        while received.count < count {
            let got = try await connection.read(into: buffer, chunk: 64 * 1024, deadline: deadline)
            if got == 0 { break }
            received += buffer.readBytes(upTo: got)
        }
        return received
    }

    @Test(arguments: [[], ["-tls1_2"]])
    func severalMebibytesGoBothWaysAtOnce(serverFlags: [String]) async throws {
        try await Self.withReverser("tls-bulk", extra: serverFlags) { connection, _ in
            let lines = Self.lines(count: 4096, length: 1023)  // 4 MiB
            let payload = lines.flatMap { $0 }
            let deadline = Deadline.after(seconds: 60)
            // The server answers while we still send: the reply must be read concurrently, or both
            // sides stall with full buffers.
            let reader = Task { try await Self.read(payload.count, from: connection, deadline: deadline) }
            try await connection.write(payload, deadline: deadline)
            let received = try await reader.value
            #expect(received.count == payload.count)
            #expect(received == Self.reversed(lines))
        }
    }

    /// A write of several records (a 32 KiB chunk of a build context and its framing is three)
    /// goes out in one `send` when the socket has room, and arrives whole; the connection keeps
    /// no buffer afterwards (10,000 idle HTTPS connections must not hold one each).
    @Test func theRecordsOfOneWriteGoOutInOneSend() async throws {
        try await Self.withReverser("tls-gather") { connection, _ in
            let deadline = Deadline.after(seconds: 30)
            for length in [32 * 1024 + 9, 100 * 1024] {
                let lines = Self.lines(count: length / 1024, length: 1023)
                let payload = lines.flatMap { $0 }
                let before = connection.recordSends
                try await connection.write(payload, deadline: deadline)
                #expect(connection.recordSends - before == 1, "\(payload.count) bytes: one send, not one per record")
                #expect(connection.gatherCapacity == 0, "no buffer held between writes")
                let received = try await Self.read(payload.count, from: connection, deadline: deadline)
                #expect(received == Self.reversed(lines))
            }
        }
    }

    /// A chunk's framing and its body, written without joining them, arrive as if joined, in one
    /// send; a body too large to gather whole still arrives whole.
    @Test func aHeadBodyAndTailGoOutTogetherWithoutBeingJoined() async throws {
        try await Self.withReverser("tls-framed") { connection, _ in
            let deadline = Deadline.after(seconds: 60)
            for count in [32, 1024] {  // lines of 1 KiB: 32 KiB, then 1 MiB
                let lines = Self.lines(count: count, length: 1023)
                let all = lines.flatMap { $0 }
                // Split at line ends, so that each part is whole lines: the head, the body, the tail.
                let head = Array(all[..<1024]), body = Array(all[1024..<(all.count - 1024)]), tail = Array(all[(all.count - 1024)...])
                let before = connection.recordSends
                let reader = Task { try await Self.read(all.count, from: connection, deadline: deadline) }
                try await connection.write(head, body, tail, deadline: deadline)
                if count == 32 { #expect(connection.recordSends - before == 1, "the three parts' records in one send") }
                #expect(try await reader.value == Self.reversed(lines))
            }
        }
    }

    @Test func aWaitingReaderAndManyWritesOnAnotherTaskInterleave() async throws {
        try await Self.withReverser("tls-concurrent") { connection, _ in
            let lines = Self.lines(count: 300, length: 3000)
            let expected = Self.reversed(lines)
            let deadline = Deadline.after(seconds: 60)
            // The reader starts first and waits on the socket while nothing has been sent yet.
            let reader = Task { try await Self.read(expected.count, from: connection, deadline: deadline) }
            let writer = Task {
                for line in lines {
                    try await connection.write(line, deadline: deadline)
                    await Task.yield()
                }
            }
            try await writer.value
            #expect(try await reader.value == expected)
        }
    }

    @Test func bytesAlreadyDecryptedAreReturnedWithoutWaiting() async throws {
        try await Self.withReverser("tls-pending") { connection, _ in
            let line = Self.lines(count: 1, length: 1000)[0]
            try await connection.write(line, deadline: .after(seconds: 10))
            let buffer = ByteBuffer()
            let first = try await connection.read(into: buffer, chunk: 10, deadline: .after(seconds: 10))
            #expect(first >= 1 && first <= 1001)
            // The record's remaining bytes are inside OpenSSL: a read with a deadline already
            // passed gets them, since it never has to wait for the socket.
            var received = buffer.readBytes(upTo: first)
            while received.count < line.count {
                let count = try await connection.read(into: buffer, chunk: 100, deadline: Deadline(nanoseconds: 0))
                received += buffer.readBytes(upTo: count)
            }
            #expect(received == Self.reversed([line]))
            // And with nothing left, the same read does wait, and times out.
            await #expect(throws: IOError.timedOut("read")) {
                _ = try await connection.read(into: buffer, chunk: 100, deadline: .after(milliseconds: 50))
            }
        }
    }

    @Test func closeSendsCloseNotifyAndFailsLaterUse() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.reverser(certificates)
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-close") { loop in
            let connection = try await TLSTestHarness.connect(port: server.port, context: try TLSTestHarness.context(certificates), loop: loop)
            let buffer = ByteBuffer()
            // A read waiting on another task fails when the connection is closed under it.
            let reader = Task { try await connection.read(into: buffer, chunk: 100, deadline: .after(seconds: 10)) }
            try await Task.sleep(for: .milliseconds(50))
            connection.close()
            connection.close()
            await #expect(throws: IOError.closed) { _ = try await reader.value }
            #expect(connection.isPeerClosed)
            await #expect(throws: IOError.closed) { try await connection.write([1], deadline: nil) }
            #expect(loop.registrationCount == 0, "the socket was closed and deregistered")
        }
        // s_server logs the close_notify it received as a clean shutdown.
        #expect(await eventuallyTrue { server.log.contains("CONNECTION CLOSED") || server.log.contains("DONE") }, "\(server.log)")
    }
}

extension TLSTransferTests {
    /// A server killed mid-connection sends FIN without close_notify (OpenSSL: "unexpected EOF
    /// while reading"): that reads as end of stream, and says the peer did not close cleanly.
    @Test func aPeerThatVanishesWithoutCloseNotifyReadsAsEndOfStream() async throws {
        try await Self.withReverser("tls-eof") { connection, server in
            try await connection.write(Array("ping\n".utf8), deadline: .after(seconds: 10))
            #expect(try await Self.read(5, from: connection, deadline: .after(seconds: 10)) == Array("gnip\n".utf8))
            server.stop()
            let buffer = ByteBuffer()
            #expect(try await connection.read(into: buffer, chunk: 100, deadline: .after(seconds: 10)) == 0)
            #expect(try await connection.read(into: buffer, chunk: 100, deadline: .after(seconds: 10)) == 0, "still the end")
            #expect(!connection.peerSentCloseNotify)
            #expect(connection.isPeerClosed)
        }
    }
}
