/// The time limits of a Docker client, in seconds; nil means no limit.
///
/// Each phase has its own limit, so a slow phase is reported by name. `requestWrite` and `bodyIdle`
/// are idle limits (time without progress), so a 1 GiB upload or a long log stream is never cut off
/// while bytes still flow; streams that may be silent for long (`logs --follow`, `events`) lift
/// `bodyIdle` per request.
package struct DockerTimeouts: Sendable, Equatable {
    /// Establishing the TCP or Unix connection.
    package var connect: Double? = 5
    /// The TLS handshake after connecting.
    package var tlsHandshake: Double? = 10
    /// Each write of the request (head or body chunk) making progress.
    package var requestWrite: Double? = 30
    /// From the end of the request to the end of the response head.
    package var responseHead: Double? = 60
    /// Between two reads of the response body.
    package var bodyIdle: Double? = 60
    /// How long a pooled connection may stay idle before it is closed instead of reused.
    package var poolIdle: Double = 30

    package init() {}
}
