import Glibc
import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport

@Suite struct AccessLogTests {
    /// A pipe whose write end the access log writes to.
    final class Pipe {
        let read: Int32
        let write: Int32
        private var pending: [UInt8] = []

        init() throws {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw SystemError(code: errno, operation: "pipe") }
            read = fds[0]
            write = fds[1]
        }

        deinit {
            close(read)
            close(write)
        }

        /// The next complete line, waiting at most `timeout` seconds.
        func line(timeout: Double = 3) -> String? {
            let deadline = TestClock.after(timeout)
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    defer { pending.removeFirst(newline + 1) }
                    return String(decoding: pending[..<newline], as: UTF8.self)
                }
                let now = TestClock.now
                if now >= deadline { return nil }
                var entry = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, Int32((deadline - now) / 1_000_000) + 1) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                if count > 0 { pending += chunk[0..<count] }
            }
        }
    }

    @Test func eachRequestLogsTimeClientMethodPathWithoutQueryStatusBytesDurationAndID() async throws {
        let pipe = try Pipe()
        let log = AccessLog(fd: pipe.write)
        try await TestHTTPServer.run(accessLog: log) { routes in
            commonRoutes(&routes)
            routes.add(.get, "/items/:id", permission: .test) { _, _ in .text("item body\n") }
        } test: { server in
            let response = try await server.response(to: Wire.request("GET", "/items/7?token=s3cret&page=2"))
            #expect(response.status == 200)
            let line = try #require(pipe.line())
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 8, "\(line)")
            let time = fields[0]
            #expect(time.count == 20 && time.hasSuffix("Z") && time.dropFirst(10).first == "T", "time \(time)")
            #expect(fields[1] == "127.0.0.1")
            #expect(fields[2] == "GET")
            #expect(fields[3] == "/items/7")
            #expect(!line.contains("s3cret") && !line.contains("?"), "the query string reached the log")
            #expect(fields[4] == "200")
            #expect(fields[5] == String(response.body.count))
            #expect(fields[6].hasSuffix("ms") && Double(fields[6].dropLast(2)) != nil, "duration \(fields[6])")
            #expect(fields[7] == response["X-Request-Id"])
        }
    }

    @Test func refusedRequestsAndIPv6ClientsAreLoggedToo() async throws {
        let pipe = try Pipe()
        let log = AccessLog(fd: pipe.write)
        try await TestHTTPServer.run(ipv6: true, accessLog: log, routes: commonRoutes) { server in
            let client = try await server.connect(ipv6: true)
            try await client.send(Wire.request("BREW", "/pot?x=1"))
            let response = try await client.readResponse()
            #expect(response.status == 501)
            let line = try #require(pipe.line())
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 8, "\(line)")
            #expect(fields[1] == "::1")
            #expect(fields[4] == "501")
            #expect(fields[7] == response["X-Request-Id"])
        }
    }

    @Test func timesAreUTCInISO8601() {
        #expect(ISOTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(ISOTime.format(1_795_000_000) == "2026-11-18T11:06:40Z")
    }
}
