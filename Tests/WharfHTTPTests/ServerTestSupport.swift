import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

extension HTTPLimits {
    /// The test server's limits with some changed: `.test { $0.headerTimeout = 0.3 }`.
    static func test(_ change: (inout HTTPLimits) -> Void) -> HTTPLimits {
        var limits = TestHTTPServer.limits
        change(&limits)
        return limits
    }
}

/// Routes most server tests share.
func commonRoutes(_ routes: inout RouterBuilder) {
    routes.add(.get, "/hello", permission: .test) { _, _ in .text("hello\n") }
    routes.add(.post, "/echo", permission: .test) { request, _ in
        HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"],
                     body: .bytes(try await request.body.collect(upTo: 16 * 1024 * 1024)))
    }
    routes.add(.get, "/path/*rest", permission: .test) { request, _ in .text(request.head.target) }
}

/// Expects the server to close `client` within `timeout` seconds.
func expectServerCloses(
    _ client: RawHTTPClient, timeout: Double = 3, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) async {
    let closed = await client.waitForClose(timeout: timeout)
    #expect(closed, comment ?? "the server left the connection open", sourceLocation: sourceLocation)
}

/// Expects the connection to stay open (nothing, not even end of stream, arrives for `timeout` seconds).
func expectStaysOpen(
    _ client: RawHTTPClient, timeout: Double = 0.2, sourceLocation: SourceLocation = #_sourceLocation
) async {
    let something = await client.waitForData(timeout: timeout)
    #expect(!something, "the server sent something or closed", sourceLocation: sourceLocation)
}

/// A repeating byte pattern: the byte at offset `o` of a stream is `o % 256`.
func pattern(_ count: Int, from offset: Int = 0) -> [UInt8] {
    // Built by whole blocks: a byte-by-byte map of tens of MiB is seconds of CPU in a debug build.
    let block = (0..<256).map { UInt8(truncatingIfNeeded: offset + $0) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count + block.count <= count { bytes.append(contentsOf: block) }
    bytes.append(contentsOf: block.prefix(count - bytes.count))
    return bytes
}
