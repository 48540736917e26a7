import Synchronization
import WharfWire
import WharfDocker
import WharfHTTP

/// One line of a container's output, with the engine's timestamp (RFC 3339, nanoseconds).
struct LogLine: Sendable, Equatable {
    enum Stream: String, Sendable { case out, err }
    let stream: Stream
    let timestamp: String
    let text: String
}

/// Cuts the engine's output (chunks that may split or join lines, stdout and stderr apart) into
/// lines, each `<RFC 3339 timestamp> <text>` as `timestamps=true` asks. A line longer than
/// `maxLine` bytes is cut into several.
struct LogLineSplitter {
    static let maxLine = 16 * 1024
    private var partial: [LogLine.Stream: [UInt8]] = [:]

    mutating func feed(_ chunk: DockerLogChunk) -> [LogLine] {
        let stream: LogLine.Stream = chunk.stream == .stderr ? .err : .out
        var pending = partial[stream] ?? []
        var lines: [LogLine] = []
        for byte in chunk.bytes {
            if byte == 0x0A {
                lines.append(Self.line(pending, stream))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count >= Self.maxLine {
                    lines.append(Self.line(pending, stream))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        partial[stream] = pending
        return lines
    }

    /// What is left when the output ends without a final newline.
    mutating func flush() -> [LogLine] {
        defer { partial = [:] }
        return [LogLine.Stream.out, .err].compactMap { stream in
            guard let rest = partial[stream], !rest.isEmpty else { return nil }
            return Self.line(rest, stream)
        }
    }

    private static func line(_ bytes: [UInt8], _ stream: LogLine.Stream) -> LogLine {
        var bytes = bytes[...]
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        // `2026-12-06T05:20:55.123456789Z text`: the timestamp ends at the first space.
        if let space = bytes.firstIndex(of: 0x20), space - bytes.startIndex >= 20, bytes[bytes.startIndex + 4] == UInt8(ascii: "-") {
            return LogLine(
                stream: stream, timestamp: String(decoding: bytes[..<space], as: UTF8.self),
                text: String(decoding: bytes[(space + 1)...], as: UTF8.self))
        }
        return LogLine(stream: stream, timestamp: "", text: String(decoding: bytes, as: UTF8.self))
    }

    /// An RFC 3339 timestamp as the `since` the engine takes: `1733462455.123456789`.
    static func since(_ timestamp: String) -> String? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 20, let bound = AuditTime.parse(String(decoding: bytes[0..<19], as: UTF8.self)) else { return nil }
        var nanos = ""
        if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
            nanos = String(decoding: bytes[20...].prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
        }
        nanos = String((nanos + "000000000").prefix(9))
        return "\(bound.milliseconds / 1000).\(nanos)"
    }
}

/// Followed container output, one engine connection per container however many browsers
/// follow it (``Fanout``). The channel keeps the latest lines it saw, so a browser that joins a
/// followed container gets its history from memory; only one that wants more than the channel
/// saw (a quiet container, a channel just started, a long absence) asks the engine for it.
struct ContainerLogFollowers: Sendable {
    /// Lines each followed container keeps for those who join (about 100 bytes each).
    static let replayLimit = 1000

    struct Key: Hashable, Sendable {
        let hostID: Int64
        let containerID: String
    }

    let fanout: Fanout<Key, FollowedLine>

    init(hosts: HostServices) {
        fanout = Fanout(bufferLimit: 4096, replayLimit: Self.replayLimit) { key, publish in
            guard let host = try await hosts.registry.host(String(key.hostID)) else { return }
            let client = try await hosts.clients.client(for: host)
            // A second back, so lines written while the first follower fetched its history
            // are not missed (each follower drops what it already sent).
            let start = Int64(AuditEntry.now() / 1000) - 1
            let logs = try await client.containerLogs(key.containerID, follow: true, timestamps: true, since: DockerTime(seconds: start), tty: nil)
            defer { logs.close() }
            var splitter = LogLineSplitter()
            for try await chunk in logs {
                for line in splitter.feed(chunk) { await publish(FollowedLine(line)) }
            }
            for line in splitter.flush() { await publish(FollowedLine(line)) }
        }
    }

    /// Streams `container`'s output as server-sent events: the last `tail` lines (or, for a
    /// browser that reconnects, every line after its `Last-Event-ID`), then new lines as they
    /// come. Each event: `id` the line's timestamp, `event` `out` or `err`, `data` the text.
    /// When the container stops, an `end` event says so and the stream closes. Once the history
    /// is out, the channel writes to the browser's ``EventSink`` itself: no task per follower.
    /// - Parameter since: only lines from this Unix time on (seconds), instead of the last `tail`.
    func events(
        _ container: ContainerService.Reference, scope: HostScope, tail: Int, since sinceSeconds: Int64? = nil, after lastEventID: String?
    ) -> HTTPResponse {
        let key = Key(hostID: scope.host.id, containerID: container.id)
        let fanout = self.fanout
        // A browser that reconnects has everything up to its Last-Event-ID; `since` asks for
        // nothing before it.
        let follower = LogFollower(floor: lastEventID ?? sinceSeconds.map { String(AuditTime.iso($0 * 1000).dropLast()) } ?? "")
        return .eventSink { sink in
            let (id, remembered) = await fanout.subscribe(key) { event in follower.offer(event, to: sink) }
            let replay = remembered.map(\.line)
            sink.onClose { Task { await fanout.unsubscribe(key, id: id) } }
            // History first: everything after the browser's last line, or the last `tail` lines;
            // from the channel's memory when it reaches back far enough, else from the engine.
            let since = lastEventID.flatMap(LogLineSplitter.since) ?? sinceSeconds.map { "\($0)" }
            let covered = since == nil
                ? replay.count >= tail
                : replay.first.map { !$0.timestamp.isEmpty && $0.timestamp <= follower.floor } ?? false
            if !covered {
                let history = try await scope.engine(subject: container.name) { client in
                    try await client.containerLogs(
                        container.id, follow: false, timestamps: true, tail: since == nil ? tail : nil,
                        since: since.flatMap(DockerTime.init), tty: nil)
                }
                var splitter = LogLineSplitter()
                defer { history.close() }
                for try await chunk in history {
                    for line in splitter.feed(chunk) { try await follower.write(line, to: sink) }
                }
                for line in splitter.flush() { try await follower.write(line, to: sink) }
            }
            for line in since == nil && covered ? Array(replay.suffix(tail)) : replay { try await follower.write(line, to: sink) }
            follower.goLive(to: sink)
        }
    }
}

/// A line of a followed container, with its server-sent event encoded once for every follower.
struct FollowedLine: Sendable {
    let line: LogLine
    let frame: SinkFrame

    init(_ line: LogLine) {
        self.line = line
        frame = SinkFrame(LogFollower.event(line))
    }
}

/// One browser following a container's output: which lines it already has, and the lines the
/// channel delivered while its history was still being written (held, then sent in order).
final class LogFollower: Sendable {
    /// Lines held while the history is written; a follower with more waiting is dropped.
    static let holdLimit = 4096

    /// Lines at or before this timestamp are not sent (the browser has them).
    let floor: String
    private let state = Mutex<(held: [Fanout<ContainerLogFollowers.Key, FollowedLine>.Event]?, last: LogLine?)>(([], nil))

    init(floor: String) { self.floor = floor }

    /// `line` as a server-sent event: `id` its timestamp, `event` `out` or `err`, `data` the text.
    static func event(_ line: LogLine) -> ServerSentEvent {
        ServerSentEvent(id: line.timestamp.isEmpty ? nil : line.timestamp, event: line.stream.rawValue, data: line.text)
    }

    /// Whether the browser lacks `line` (it is after its floor, and not the line just sent: the
    /// history and the channel overlap by a second); if so, `line` becomes the last one sent.
    private func isNew(_ line: LogLine, last: inout LogLine?) -> Bool {
        if !line.timestamp.isEmpty {
            if line.timestamp <= floor { return false }
            if let last, line.timestamp < last.timestamp || line.timestamp == last.timestamp && line.text == last.text { return false }
        }
        last = line
        return true
    }

    /// Writes a line of the history, waiting while the browser is slow.
    func write(_ line: LogLine, to sink: EventSink) async throws {
        if state.withLock({ isNew(line, last: &$0.last) }) { try await sink.write(Self.event(line)) }
    }

    /// The channel's delivery: held until ``goLive(to:)``, then sent at once. False to leave.
    func offer(_ event: Fanout<ContainerLogFollowers.Key, FollowedLine>.Event, to sink: EventSink) -> Bool {
        state.withLock { s in
            guard s.held == nil else {
                guard s.held!.count < Self.holdLimit else { return false }
                s.held!.append(event)
                return true
            }
            return deliver(event, last: &s.last, to: sink)
        }
    }

    /// The history is out: sends what was held, and from now on each line as it comes.
    func goLive(to sink: EventSink) {
        state.withLock { s in
            let held = s.held ?? []
            s.held = nil
            for event in held where !deliver(event, last: &s.last, to: sink) { break }
        }
    }

    private func deliver(_ event: Fanout<ContainerLogFollowers.Key, FollowedLine>.Event, last: inout LogLine?, to sink: EventSink) -> Bool {
        switch event {
        case .element(let followed):
            guard isNew(followed.line, last: &last) else { return sink.isOpen }
            return sink.send(followed.frame)
        case .end(let failure):
            sink.send(ServerSentEvent(event: "end", data: failure ?? "The container stopped."))
            sink.finish()
            return false
        }
    }
}

/// Container output for pages and the API: followed live over SSE (``ContainerLogFollowers``),
/// or read once as text, streamed (a download, or `GET …/logs` in the API).
struct ContainerLogs: Sendable {
    let service: ContainerService
    let followers: ContainerLogFollowers

    static let parameters: [APIOperation.Parameter] = [
        .init("follow", .boolean(), "Keep the answer open and add output as it comes."),
        .init("tail", .integer(minimum: 0), "Only the last n lines."),
        .init("since", .string(), "Only output after this Unix time (seconds, with an optional fraction)."),
        .init("timestamps", .boolean(), "Start each line with its RFC 3339 time."),
        .init("stdout", .boolean(), "Include standard output (default true)."),
        .init("stderr", .boolean(), "Include standard error (default true)."),
    ]

    /// The output as `text/plain`, chunk by chunk as the engine sends it (never collected).
    func download(_ reference: String, request: HTTPRequest, scope: HostScope, attachment: Bool) async throws -> HTTPResponse {
        func flag(_ name: String, _ otherwise: Bool) throws -> Bool {
            try request.queryValue(name).map { try EngineFilterQuery.flag(name, $0) } ?? otherwise
        }
        var tail: Int?
        if let text = request.queryValue("tail"), !text.isEmpty, text != "all" {
            guard let value = Int(text), value >= 0 else { throw HTTPError(.badRequest, "tail must be a number of lines, or all.") }
            tail = value
        }
        var since: DockerTime?
        if let text = request.queryValue("since"), !text.isEmpty {
            guard let value = DockerTime(text) else { throw HTTPError(.badRequest, "since must be a Unix time in seconds, like 1733462455 or 1733462455.5.") }
            since = value
        }
        let follow = try flag("follow", false)
        let timestamps = try flag("timestamps", false)
        let (stdout, stderr) = (try flag("stdout", true), try flag("stderr", true))
        let container = try await service.resolve(reference, on: scope)
        let logs = try await scope.engine(subject: container.name) { client in
            try await client.containerLogs(
                container.id, follow: follow, stdout: stdout, stderr: stderr, timestamps: timestamps, tail: tail, since: since, tty: nil)
        }
        var headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"]
        if attachment { headers.set("Content-Disposition", "attachment; filename=\"\(ContainerExport.fileName(container.name)).log\"") }
        return HTTPResponse(status: .ok, headers: headers, body: .stream(length: nil) { writer in
            defer { logs.close() }
            for try await chunk in logs { try await writer.write(chunk.bytes) }
        })
    }
}
