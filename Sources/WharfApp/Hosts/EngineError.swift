import WharfWire
package import WharfDocker
package import WharfHTTP

/// A Docker engine's failure, named after the Wharf host it happened on: what the host-scoped
/// route group throws instead of a bare `DockerError`, so the message says which host.
///
/// | Engine or transport                     | Status | Code               |
/// |-----------------------------------------|--------|--------------------|
/// | engine 400 (bad parameter)              | 400    | `bad_request`      |
/// | engine 404 (no such object)             | 404    | `not_found`        |
/// | engine 409 (running, in use, name taken)| 409    | `conflict`         |
/// | other engine 4xx                        | 422    | `engine_refused`   |
/// | engine 5xx, in-band stream error        | 502    | `engine_error`     |
/// | unreachable, connection lost, not HTTP  | 502    | `host_unreachable` |
/// | TLS                                     | 502    | `host_tls`         |
/// | a phase timed out                       | 504    | `host_timeout`     |
///
/// Nothing the engine does becomes a 500.
package struct EngineError: PublicError, CustomStringConvertible, Sendable {
    package let hostName: String
    package let underlying: DockerError
    /// What the user called the object the call was about (a container's name), used in place of
    /// the id the engine's message names.
    package let subject: String?

    package init(hostName: String, _ underlying: DockerError, subject: String? = nil) {
        self.hostName = hostName
        self.underlying = underlying
        self.subject = subject
    }

    package var status: HTTPStatus { underlying.httpStatus }
    package var code: String { underlying.errorCode }

    package var publicMessage: String {
        switch underlying {
        case .api(let status, let message) where status < 500 || EngineMessages.isConflict(message) || EngineMessages.isNotFound(message):
            return EngineMessages.plain(message, subject: subject)
        case .api(_, let message):
            return "The engine of \(hostName) failed: \(EngineMessages.plain(message))"
        case .stream(let message, _):
            return "The engine of \(hostName) reported: \(EngineMessages.plain(message))"
        default:
            return "\(hostName): \(underlying.description)"
        }
    }

    package var description: String { "\(hostName): \(underlying.description)" }
}

extension DockerError: PublicError {
    package var status: HTTPStatus { httpStatus }
    package var code: String { errorCode }
    package var publicMessage: String {
        if case .api(let status, let message) = self, status < 500 || EngineMessages.isConflict(message) || EngineMessages.isNotFound(message) {
            return EngineMessages.plain(message)
        }
        return description
    }

    /// The status Wharf answers for this failure (see ``EngineError``).
    package var httpStatus: HTTPStatus {
        // Some conflicts come with a 500 from the engine ("… is not paused"): they are the
        // user's to resolve, so they answer as conflicts.
        if case .api(let status, let message) = self, status >= 500, EngineMessages.isConflict(message) { return .conflict }
        if case .api(let status, let message) = self, status >= 500, EngineMessages.isNotFound(message) { return .notFound }
        return switch self {
        case .api(let status, _):
            switch status {
            case 400: .badRequest
            case 404: .notFound
            case 409: .conflict
            case 401..<500: .unprocessableContent
            default: .badGateway
            }
        case .timedOut: .gatewayTimeout
        case .invalidRequest: .badRequest
        case .unreachable, .tls, .stream, .engineTooOld, .connectionLost, .protocolViolation, .decoding, .invalidEndpoint:
            .badGateway
        }
    }

    package var errorCode: String {
        if httpStatus == .conflict { return "conflict" }
        if httpStatus == .notFound { return "not_found" }
        return switch self {
        case .api(let status, _):
            switch status {
            case 400: "bad_request"
            case 404: "not_found"
            case 409: "conflict"
            case 401..<500: "engine_refused"
            default: "engine_error"
            }
        case .timedOut: "host_timeout"
        case .tls: "host_tls"
        case .invalidRequest: "bad_request"
        case .stream, .decoding, .engineTooOld: "engine_error"
        case .unreachable, .connectionLost, .protocolViolation, .invalidEndpoint: "host_unreachable"
        }
    }
}

/// The engine's own messages for the usual conflicts, said in plain words with what to do next.
/// Anything not recognised is passed on as the engine wrote it.
enum EngineMessages {
    /// State conflicts the engine reports with a 500 (API 1.41): a container that is not
    /// running, not paused, already paused.
    /// Lookups that fail with a 500 in API 1.41 (a list's `before`/`since` naming no container).
    static func isNotFound(_ message: String) -> Bool {
        let lower = message.lowercased()
        return lower.hasPrefix("no such container") || lower.hasPrefix("no such image") || lower.hasPrefix("no such volume")
    }

    static func isConflict(_ message: String) -> Bool {
        message.hasPrefix("Container ")
            && (message.hasSuffix(" is not running") || message.hasSuffix(" is not paused") || message.hasSuffix(" is already paused")
                || message.contains(" is paused, unpause"))
    }

    static func plain(_ message: String, subject: String? = nil) -> String {
        func name(_ id: some StringProtocol) -> String { subject ?? shortID(String(id)) }
        // "You cannot remove a running container 3f2a…. Stop the container before attempting removal or force remove"
        if let rest = message.after("You cannot remove a running container ") {
            return "\(name(rest.upTo("."))) is running: stop it first, or remove it with force."
        }
        // "You cannot remove a paused container 3f2a…. Unpause and then stop the container before …"
        if let rest = message.after("You cannot remove a paused container ") {
            return "\(name(rest.upTo("."))) is paused: unpause and stop it first, or remove it with force."
        }
        // Conflict. The container name "/web-1" is already in use by container "3f2a…". You have to remove (or rename) …
        if let rest = message.after("The container name \"/") {
            let name = rest.upTo("\"")
            let holder = rest.after("by container \"").map { $0.upTo("\"") } ?? "another container"
            return "The name \(name) is already used by container \(shortID(String(holder))): choose another name, or remove or rename that container first."
        }
        // "Container 3f2a… is not running"
        if message.hasPrefix("Container "), message.hasSuffix(" is not running") {
            return "\(name(message.dropFirst(10).dropLast(15))) is not running: start it first."
        }
        // "Container 3f2a… is paused, unpause the container before stopping or killing"
        if message.hasPrefix("Container "), let range = message.firstRange(of: " is paused, unpause") {
            return "\(name(message[message.index(message.startIndex, offsetBy: 10)..<range.lowerBound])) is paused: unpause it first."
        }
        // "Container 3f2a… is already paused" / "is not paused"
        if message.hasPrefix("Container "), message.hasSuffix(" is already paused") || message.hasSuffix(" is not paused") {
            let suffix = message.hasSuffix(" is already paused") ? " is already paused" : " is not paused"
            return name(message.dropFirst(10).dropLast(suffix.count)) + suffix + "."
        }
        // "remove data: volume is in use - [3f2a…]"
        if let range = message.firstRange(of: ": volume is in use - [") {
            let name = message[message.startIndex..<range.lowerBound].dropFirst("remove ".count)
            let users = message[range.upperBound...].upTo("]").split(separator: ",").map { shortID(String(String($0).trimmingASCIISpaces())) }
            return "Volume \(name) is used by container \(users.joined(separator: ", ")): remove that container first."
        }
        // "conflict: unable to remove repository reference "x" (must force) - container 3f2a… is using its referenced image 9a8b…"
        if message.hasPrefix("conflict: unable to "), let range = message.firstRange(of: " - ") {
            let reason = message[range.upperBound...]
            return "The image cannot be removed: \(reason). Remove the containers that use it first, or remove it with force."
        }
        // "error while removing network: network n id 3f2a… has active endpoints"
        if message.contains("has active endpoints") {
            return message.replacing("error while removing network: ", with: "") + ": disconnect its containers first."
        }
        return message
    }

    /// A container or image id cut to the 12 characters the docker CLI shows.
    static func shortID(_ id: String) -> String {
        id.count == 64 && id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            ? String(id.prefix(12)) : id
    }
}

extension StringProtocol where SubSequence == Substring {
    /// The text after the first `marker`, nil when `marker` does not occur.
    fileprivate func after(_ marker: String) -> Substring? {
        guard let range = firstRange(of: marker) else { return nil }
        return self[range.upperBound...]
    }

    /// The text before the first `marker` (all of it when `marker` does not occur).
    fileprivate func upTo(_ marker: String) -> Substring {
        guard let range = firstRange(of: marker) else { return self[...] }
        return self[..<range.lowerBound]
    }
}
