/// Every limit and timeout of the HTTP server, in one value with documented defaults.
///
/// Each limit has a precise answer: the request line → 414, the header block → 431, a body larger
/// than its route allows → 413, a slow header block → 408. A route may lower or raise the body limit.
package struct HTTPLimits: Sendable {
    /// Longest request line (method, target, version) in bytes. Over it: 414 URI Too Long. Default 8 KiB.
    package var maxRequestLineBytes = 8 * 1024
    /// Largest header block (all field lines, after the request line) in bytes. Over it: 431. Default 32 KiB.
    package var maxHeaderBytes = 32 * 1024
    /// Most header field lines in one request. Over it: 431. Default 100.
    package var maxHeaderCount = 100
    /// Body size allowed for a route that does not set its own. Over it: 413. Default 1 MiB.
    package var defaultMaxBodyBytes = 1024 * 1024
    /// Longest chunk extension accepted on one chunk-size line (RFC 9112 §7.1.1). Default 4 KiB.
    package var maxChunkExtensionBytes = 4 * 1024
    /// Seconds from the first byte of a request until its header block must be complete. Over it:
    /// 408 and close (slowloris). Default 10.
    package var headerTimeout: Double = 10
    /// Seconds from accepting an HTTPS connection until its TLS handshake must be done; a client
    /// that stays silent or trickles its handshake is dropped then. Default 10.
    package var tlsHandshakeTimeout: Double = 10
    /// Failed TLS handshakes logged one line each per ``handshakeFailureLogWindow``; past that
    /// they are counted and one line gives the count. Default 10.
    package var handshakeFailureLogBurst = 10
    /// Seconds of ``handshakeFailureLogBurst``. Default 60.
    package var handshakeFailureLogWindow: Double = 60
    /// Seconds an idle keep-alive connection is kept open. Default 60.
    package var keepAliveTimeout: Double = 60
    /// Seconds a request body may stall between two reads before 408 and close. Default 30.
    package var bodyReadTimeout: Double = 30
    /// Bytes per second a client must keep up while the server waits for its request body,
    /// averaged over ``bodyRateWindow``; slower: 408 and close, so a few clients trickling
    /// bodies cannot hold every connection. Time the handler spends not reading is not counted.
    /// 0 turns the check off. Default 1 KiB/s.
    package var minBodyBytesPerSecond = 1024
    /// Seconds over which ``minBodyBytesPerSecond`` is averaged: the most a client may fall behind
    /// (and the longest silence a burst buys). Default 30.
    package var bodyRateWindow: Double = 30
    /// Seconds a response write may stall (a client that does not read) before the connection is
    /// dropped. Default 30.
    package var writeTimeout: Double = 30
    /// Requests served on one keep-alive connection before it is closed (like nginx's
    /// `keepalive_requests`). Default 1000.
    package var maxRequestsPerConnection = 1000
    /// Open connections at most; one more is answered 503 and closed. Default 16,000 (the open-file
    /// limit is raised to fit at start-up when it can be).
    package var maxConnections = 16_000
    /// Open connections at most from one client address (an IPv6 client counts per /64, which
    /// is what one host or site usually holds); one more is answered 429 and closed, so a few
    /// clients cannot take every slot. Default 256.
    package var maxConnectionsPerAddress = 256
    /// Whether loopback clients are exempt from ``maxConnectionsPerAddress``. A reverse proxy on
    /// the same machine connects from loopback for all of its clients, which would turn the
    /// per-address cap into a global one. Default true.
    package var loopbackExemptFromAddressLimit = true
    /// Unread request body the server discards to keep a connection alive after the handler
    /// answered without reading it; past this it closes instead. Default 256 KiB.
    package var maxDrainBytes = 256 * 1024
    /// Seconds in-flight requests get to finish after shutdown starts. Default 10.
    package var shutdownGracePeriod: Double = 10

    package init() {}
}
