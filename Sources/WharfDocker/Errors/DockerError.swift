package import WharfTLS

/// A failure talking to a Docker engine, with a `description` that says what to do about it.
///
/// The cases keep apart where a call failed: the engine could not be reached, it did not answer in
/// time (and in which phase), TLS failed, the engine refused the request (`api`, with its own
/// message and status), or an operation that had started failed in-band after a `200` (`stream`).
package enum DockerError: Error, CustomStringConvertible, Sendable {
    /// The connection could not be made: nothing listens, the socket file is missing, permission denied.
    case unreachable(address: String, reason: String)
    /// A phase did not complete in time.
    case timedOut(address: String, phase: DockerTimeoutPhase)
    /// The TLS handshake or a TLS read or write failed; `underlying` is the TLS layer's error.
    case tls(address: String, underlying: TLSError)
    /// The engine answered with a non-2xx status; `message` is the engine's own `message`.
    case api(status: Int, message: String)
    /// A stream (pull, push, build, events) reported an error in-band after its `200`.
    case stream(message: String, code: Int?)
    /// The engine speaks an API version older than Wharf supports.
    case engineTooOld(address: String, engineVersion: String, minimum: String)
    /// The connection broke, or the engine closed it, before the response was complete.
    case connectionLost(address: String, phase: DockerTimeoutPhase, reason: String)
    /// The engine sent something that is not valid HTTP/1.1 or not the expected framing.
    case protocolViolation(address: String, reason: String)
    /// A response body could not be decoded as the expected JSON.
    case decoding(what: String, reason: String)
    /// An endpoint URL Wharf cannot use (unknown scheme, bad port, path too long).
    case invalidEndpoint(String, reason: String)
    /// A request Wharf refuses to send (a header value with CR/LF, a body too large to collect).
    case invalidRequest(String)

    /// The HTTP status of an API error, nil for other failures.
    package var status: Int? {
        if case .api(let status, _) = self { return status }
        return nil
    }

    /// The engine said 404: no such container, image, volume or network.
    package var isNotFound: Bool { status == 404 }
    /// The engine said 409: a name in use, a container that is running or already stopped, an image in use.
    package var isConflict: Bool { status == 409 }

    package var description: String {
        switch self {
        case .unreachable(let address, let reason):
            "Cannot reach the Docker engine at \(address): \(reason). Check that the engine is running, that the "
                + "address is right and that Wharf may connect to it."
        case .timedOut(let address, let phase):
            "The Docker engine at \(address) did not answer in time (\(phase.description)). The engine may be "
                + "overloaded or the address may not be a Docker engine; try again, or raise the timeout."
        case .tls(let address, let underlying):
            "TLS with the Docker engine at \(address) failed: \(underlying)"
        case .api(let status, let message):
            "The Docker engine refused the request (\(status)): \(message)"
        case .stream(let message, _):
            "The Docker engine reported an error: \(message)"
        case .engineTooOld(let address, let version, let minimum):
            "The Docker engine at \(address) speaks API \(version), but Wharf needs at least \(minimum). "
                + "Upgrade Docker on that host."
        case .connectionLost(let address, let phase, let reason):
            "The connection to the Docker engine at \(address) was lost (\(phase.description)): \(reason). "
                + "Check that the engine is still running, then try again."
        case .protocolViolation(let address, let reason):
            "The engine at \(address) sent an invalid HTTP response (\(reason)). Check that the address is a "
                + "Docker engine and not another service."
        case .decoding(let what, let reason):
            "Cannot read the engine's answer (\(what)): \(reason). The engine version may not be supported."
        case .invalidEndpoint(let text, let reason):
            "Invalid Docker endpoint \"\(text)\": \(reason). Use unix:///path, tcp://host:port or https://host:port."
        case .invalidRequest(let reason):
            "Invalid request to the Docker engine: \(reason)"
        }
    }
}

/// The phase of a request that a timeout or a lost connection happened in.
package enum DockerTimeoutPhase: Sendable, Equatable, CustomStringConvertible {
    case connect
    case tlsHandshake
    case requestWrite
    case responseHead
    case bodyIdle

    package var description: String {
        switch self {
        case .connect: "connecting"
        case .tlsHandshake: "during the TLS handshake"
        case .requestWrite: "writing the request"
        case .responseHead: "waiting for the response head"
        case .bodyIdle: "waiting for more of the response body"
        }
    }
}
