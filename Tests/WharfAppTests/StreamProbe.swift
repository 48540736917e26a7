import WharfHTTP
import WharfTestSupport

/// Runs a streamed response's producer (an SSE stream, a download) in a task and collects what
/// it writes, so a test can wait for text to arrive and then cancel, as a client that leaves.
final class StreamProbe: Sendable {
    private final class Sink: ResponseBodyWriter, Sendable {
        let text = Locked("")
        func write(_ chunk: [UInt8]) async throws {
            let piece = String(decoding: chunk, as: UTF8.self)
            text.withLock { $0 += piece }
        }
    }

    /// An ``EventSink``'s output that keeps what it is given, as a client that reads at once.
    final class SinkCollector: EventSinkOutput {
        let text = Locked("")
        let ended = Locked<Bool?>(nil)
        func write(_ bytes: [UInt8]) async throws {
            let piece = String(decoding: bytes, as: UTF8.self)
            text.withLock { $0 += piece }
        }
        func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
            let piece = String(decoding: bytes, as: UTF8.self)
            text.withLock { $0 += piece }
            return bytes.count
        }
        func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { false }
        func abort() {}
        func ended(complete: Bool, bodyBytes: Int) { ended.withLock { $0 = complete } }

        /// Runs `attach` as the server does; returns the sink once it is live (or over).
        static func attach(_ attach: @escaping @Sendable (EventSink) async throws -> Void, to collector: SinkCollector) async -> EventSink {
            let sink = EventSink(output: collector, chunked: false)
            let failed = await Task { () -> Bool in
                do {
                    try await attach(sink)
                    return false
                } catch {
                    return true
                }
            }.value
            sink.attachEnded(failed: failed)
            return sink
        }
    }

    private let sink = Sink()
    private let collector = SinkCollector()
    private let ended = Locked(false)
    private let task: Task<Void, any Error>
    private let eventSink = Locked<EventSink?>(nil)

    init(_ response: HTTPResponse) {
        let sink = self.sink
        let ended = self.ended
        switch response.body {
        case .stream(_, let produce), .probedStream(_, let produce):
            task = Task {
                defer { ended.withLock { $0 = true } }
                try await produce(sink)
            }
        case .sink(_, _, let attach):
            let collector = self.collector
            let eventSink = self.eventSink
            task = Task {
                let live = await SinkCollector.attach(attach, to: collector)
                eventSink.withLock { $0 = live }
                // Until the stream is over, or the probe cancels (the client leaves).
                await withTaskCancellationHandler {
                    while collector.ended.value == nil, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                } onCancel: {
                    live.close()
                }
                ended.withLock { $0 = true }
            }
        case .bytes(let bytes):
            sink.text.withLock { $0 = String(decoding: bytes, as: UTF8.self) }
            ended.withLock { $0 = true }
            task = Task {}
        case .empty, .upgrade:
            ended.withLock { $0 = true }
            task = Task {}
        }
    }

    var text: String { sink.text.value + collector.text.value }

    /// Waits until the collected text satisfies `done`, or `seconds` pass; returns whether it did.
    @discardableResult
    func wait(seconds: Double = 10, until done: @Sendable (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if done(text) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return done(text)
    }

    /// Waits for the producer to end by itself (the stream's end); false after `seconds`.
    func finished(seconds: Double = 10) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if ended.value { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return ended.value
    }

    func cancel() { task.cancel() }
}
