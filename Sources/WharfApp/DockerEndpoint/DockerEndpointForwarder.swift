import WharfWire
import WharfDocker
import WharfHTTP

/// Forwards one allowed call to the engine with the Docker client's generic request path
/// (``DockerClient/perform(_:)``) and relays the answer: status and headers at once (the server
/// writes the head before the first body byte: `docker run` waits for the head of `wait` before it
/// starts the container), then the body chunk by chunk as the engine sends it, with no time limit
/// (`logs -f`, `events`, `stats`, `wait`, build, pull and push progress), until either side goes.
struct DockerEndpointForwarder {
    let call: EndpointCall
    /// Counts and digests a streamed request body; nil when the body was checked (already counted).
    let meter: BodyMeter?
    let hostName: String

    /// Request fields never forwarded: Wharf's own credential, the connection's framing and
    /// hop-by-hop fields (RFC 9110 §7.6.1), `Host` (the client sets the engine's), and
    /// `Content-Type`, which the Docker client writes with the body. The client's `User-Agent`
    /// reaches the engine (the engine's logs and events name the real client).
    static let requestFieldsDropped: Set<String> = [
        "authorization", "cookie", "host", "connection", "keep-alive", "proxy-connection", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "content-length", "upgrade", "expect", "content-type",
    ]
    /// Response fields the server writes itself (framing) or that belong to the engine's connection.
    /// Answers of known length up to this size are read whole and sent with their head.
    static let smallBody = 64 * 1024

    static let responseFieldsDropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "content-length", "upgrade",
    ]

    func forward(
        _ request: HTTPRequest, route: EngineRoute, target: EngineTarget, body: DockerRequestBody, client: DockerClient
    ) async throws -> HTTPResponse {
        var forwarded = DockerRequest(
            request.method.rawValue, target.forwardPath, query: target.forwardQuery,
            headers: Self.forwardedHeaders(request.headers, body: body), body: body)
        forwarded.isVersioned = false  // the client's own version (or none) is in the path
        forwarded.responseHeadTimeout = .unlimited  // `stop -t 600`, a build reading its context
        forwarded.bodyIdleTimeout = .unlimited  // `logs -f`, `events`: silent for hours is fine
        let response: DockerResponse
        do {
            response = try await client.perform(forwarded)
        } catch let error as DockerError {
            noteBody()
            let status: HTTPStatus = if case .timedOut = error { .gatewayTimeout } else { .badGateway }
            call.finish(status: status.code, outcome: .failed, error: error.description)
            throw HTTPError(status, "Wharf could not complete \(route.call) on \(hostName): \(error.description)")
        } catch {
            noteBody()
            call.finish(status: 400, outcome: .failed, error: "the request body did not arrive: \(error)")
            throw error
        }
        noteBody()
        let status = HTTPStatus(code: response.status)
        let outcome: AuditOutcome = response.status < 400 ? .ok : .failed
        var headers = HTTPHeaders()
        for field in response.headers where !Self.responseFieldsDropped.contains(field.name.lowercased()) {
            headers.add(field.name, field.value)
        }
        if request.method == .head || status.forbidsBody {
            response.body.close()
            call.finish(status: response.status, outcome: outcome)
            return HTTPResponse(status: status, headers: headers, body: .empty)
        }
        let length = response.headers["Content-Length"].flatMap { Int($0.trimmingASCIISpaces()) }
        if let length, length <= Self.smallBody {
            // A short answer of known length (`_ping`, lists, inspect) follows its head at once:
            // sent with it in one write, without a producer task.
            let bytes: [UInt8]
            do {
                bytes = try await response.body.collect(upTo: Self.smallBody)
            } catch {
                call.finish(status: HTTPStatus.badGateway.code, outcome: .failed, error: "the answer broke off: \(error)")
                throw HTTPError(.badGateway, "Wharf could not complete \(route.call) on \(hostName): the engine's answer broke off.")
            }
            call.sent(bytes.count)
            call.finish(status: response.status, outcome: outcome)
            return HTTPResponse(status: status, headers: headers, body: .bytes(bytes))
        }
        let call = self.call
        let body = response.body
        return HTTPResponse(status: status, headers: headers, body: .stream(length: length) { writer in
            do {
                for try await chunk in body {
                    try await writer.write(chunk)
                    call.sent(chunk.count)
                }
            } catch {
                body.close()
                // A client that leaves (`docker run -d` drops its `wait`, ^C on `logs -f`) ended the
                // call, not the engine: the outcome stays the status's; a broken engine stream failed.
                let clientLeft = error is CancellationError
                call.finish(status: response.status, outcome: clientLeft ? outcome : .failed,
                            error: clientLeft ? "the client went away" : "the stream broke: \(error)")
                throw error
            }
            call.finish(status: response.status, outcome: outcome)
        })
    }

    /// Records how much of a streamed body went through, and its digest.
    private func noteBody() {
        if let meter {
            let (count, digest) = meter.finish()
            call.forwarded(count: count, digest: digest)
        }
    }

    /// The client's header fields minus those in ``requestFieldsDropped`` and those its
    /// `Connection` field names; `X-Registry-Auth`, `X-Registry-Config` and the rest pass as sent.
    /// A body-less call keeps its `Content-Type` (the Go client sends `text/plain`).
    static func forwardedHeaders(_ headers: HTTPHeaders, body: DockerRequestBody) -> HTTPHeaders {
        var named: Set<String> = []
        for value in headers.values("Connection") {
            for option in value.split(separator: ",") { named.insert(option.trimmingASCIISpaces().lowercased()) }
        }
        var forwarded = HTTPHeaders()
        for field in headers {
            let name = field.name.lowercased()
            if name == "content-type", case .empty = body {
                forwarded.add(field.name, field.value)
                continue
            }
            if requestFieldsDropped.contains(name) || named.contains(name) { continue }
            forwarded.add(field.name, field.value)
        }
        return forwarded
    }
}
