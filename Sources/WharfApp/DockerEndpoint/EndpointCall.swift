import Synchronization
import WharfHTTP
import WharfIO
import WharfTLS

/// One call through the Docker endpoint, as its audit row will tell it: who, on which host, which
/// call, its target, and — as the call goes on — bytes each way, the forwarded body's digest, the
/// status and how it ended. ``finish(status:outcome:error:)`` hands the row to the queue once.
final class EndpointCall: Sendable {
    private struct Progress {
        var call: String
        var action = "docker.unlisted"
        var target: String?
        var bytesIn = 0
        var bytesOut = 0
        var bodyDigest: String?
        var withholdBody = false
        /// Set once a switched stream began (its start row is queued): the end row says "end".
        var session = false
        var finished = false
    }

    private let actor: AuditActor
    private let credential: String?
    private let hostID: Int64?
    private let started: Deadline
    private let queue: EndpointAuditQueue
    private let progress: Mutex<Progress>

    init(context: RequestContext, method: HTTPMethod, path: String, hostID: Int64?, queue: EndpointAuditQueue) {
        var actor = context.auditActor
        actor.source = .docker
        actor.durationMilliseconds = nil
        self.actor = actor
        if case .token(_, let prefix)? = context.principal?.credential { credential = prefix } else { credential = nil }
        self.hostID = hostID
        started = context.receivedAt
        self.queue = queue
        progress = Mutex(Progress(call: "\(method) \(Self.clipped(path))"))
    }

    /// The call matched `route`; `target` is what it acts on (a container id, an image name…).
    func matched(_ route: EngineRoute, target: String?) {
        progress.withLock {
            $0.call = route.call
            $0.action = "docker." + route.action
            $0.target = target.map(Self.clipped)
            $0.withholdBody = route.body == .secret
        }
    }

    func sent(_ count: Int) { progress.withLock { $0.bytesOut += count } }

    /// Bytes the client sent on a switched stream (attach and exec stdin).
    func received(_ count: Int) { progress.withLock { $0.bytesIn += count } }

    /// The body forwarded in one piece (a checked JSON body).
    func forwarded(body: [UInt8]) {
        progress.withLock {
            $0.bytesIn = body.count
            $0.bodyDigest = SHA256.hex(body)
        }
    }

    /// A streamed body's size and digest, once it has gone through.
    func forwarded(count: Int, digest: String?) {
        progress.withLock {
            $0.bytesIn = count
            $0.bodyDigest = digest
        }
    }

    /// Queues the start row of a switched stream (attach, exec): the engine answered `status`
    /// (101) and bytes begin to flow. ``finish(status:outcome:error:)`` then writes the end row,
    /// with the session's duration and bytes each way.
    func opened(status: Int) {
        let entry: AuditEntry? = progress.withLock { state in
            guard !state.finished, !state.session else { return nil }
            state.session = true
            return row(state, status: status, outcome: .ok, error: nil, phase: "start")
        }
        if let entry { queue.enqueue(entry) }
    }

    /// Queues the row (only the first call counts); the end row when a session was opened.
    func finish(status: Int, outcome: AuditOutcome, error: String? = nil) {
        let entry: AuditEntry? = progress.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            return row(state, status: status, outcome: outcome, error: error, phase: state.session ? "end" : nil)
        }
        if let entry { queue.enqueue(entry) }
    }

    private func row(_ state: Progress, status: Int, outcome: AuditOutcome, error: String?, phase: String?) -> AuditEntry {
        let elapsed = Deadline.now.nanoseconds &- started.nanoseconds
        var parameters = ["call": state.call, "bytes_in": String(state.bytesIn), "bytes_out": String(state.bytesOut)]
        if let phase { parameters["session"] = phase }
        if let credential { parameters["credential"] = credential }
        // A digest of a short secret (a registry password) could be guessed back: none for them.
        parameters["body_sha256"] = state.withholdBody ? "withheld" : (state.bodyDigest ?? Self.emptyDigest)
        var entry = actor.entry(
            state.action, outcome: outcome, target: state.target, parameters: parameters, httpStatus: status, error: error)
        entry.hostID = hostID
        entry.durationMilliseconds = Int64(elapsed / 1_000_000)
        return entry
    }

    /// SHA-256 of nothing: the digest of a call forwarded without a body.
    static let emptyDigest = SHA256.hex([])

    /// At most 256 characters of a path or target for the audit row.
    static func clipped(_ text: String) -> String {
        text.utf8.count <= 256 ? text : String(text.prefix(256)) + "…"
    }
}

/// Counts and digests a streamed request body as the Docker client pulls it.
final class BodyMeter: @unchecked Sendable {
    // Touched by the one task the Docker client writes the body from, under `lock` anyway.
    private var hasher: SHA256.Hasher? = SHA256.Hasher()
    private var count = 0
    private var digest: String?
    private let lock = Mutex(())

    func add(_ chunk: [UInt8]) {
        lock.withLock { _ in
            count += chunk.count
            hasher?.update(chunk)
        }
    }

    /// The bytes seen and their SHA-256; the digest is fixed at the first call.
    func finish() -> (count: Int, digest: String) {
        lock.withLock { _ in
            if digest == nil, let hasher = hasher.take() {
                digest = count == 0 ? EndpointCall.emptyDigest : Hex.encode(hasher.finalize())
            }
            return (count, digest ?? EndpointCall.emptyDigest)
        }
    }
}

/// A request body passed through a ``BodyMeter``, chunk by chunk as the client sent it. (Gathering
/// chunks into larger pieces was measured: the extra copies and allocations cost more than the
/// fewer writes saved.)
struct MeteredBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let base: RequestBody
    let meter: BodyMeter

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let meter: BodyMeter
        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await base.next() else { return nil }
            meter.add(chunk)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), meter: meter) }
}
