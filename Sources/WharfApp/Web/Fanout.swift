/// One upstream source shared by every subscriber of a key: the first subscriber starts the
/// source, each element reaches every subscriber, and the source is cancelled when the last one
/// leaves. Used wherever many browsers watch one thing (a container's logs or stats, a host's
/// events, a job's output), so a thousand watchers cost one engine connection, not a thousand.
///
/// A subscriber is a task reading a bounded queue, or a closure the fan-out calls with each event
/// in order (an SSE client's ``EventSink``, which needs no task). A queue that falls
/// `bufferLimit` elements behind is dropped (its stream ends without ``Event/end(_:)``), as is a
/// closure that returns false, rather than holding memory: an SSE client then reconnects with
/// `Last-Event-ID` and catches up from the source's own history.
package actor Fanout<Key: Hashable & Sendable, Element: Sendable> {
    package enum Event: Sendable {
        case element(Element)
        /// The source ended (a container stopped, a job finished), with why when it failed.
        case end(String?)
    }

    /// Runs until cancelled or done, handing each element to `publish`.
    package typealias Source = @Sendable (Key, _ publish: @escaping @Sendable (Element) async -> Void) async throws -> Void

    /// Runs on the fan-out's actor with each event, in order; returns false to leave.
    package typealias Deliver = @Sendable (Event) -> Bool

    private enum Subscriber {
        case queue(AsyncStream<Event>.Continuation)
        case deliver(Deliver)

        /// Hands over `event`; false when the subscriber is gone or too far behind.
        func take(_ event: Event) -> Bool {
            switch self {
            case .queue(let continuation):
                if case .enqueued = continuation.yield(event) { return true }
                continuation.finish()
                return false
            case .deliver(let deliver):
                return deliver(event)
            }
        }

        func finish() {
            if case .queue(let continuation) = self { continuation.finish() }
        }
    }

    private struct Channel {
        var task: Task<Void, Never>?
        var subscribers: [Int: Subscriber] = [:]
        /// The last `replayLimit` elements, oldest first (a ring: `replayStart` is the oldest).
        var replay: [Element] = []
        var replayStart = 0

        mutating func remember(_ element: Element, limit: Int) {
            guard limit > 0 else { return }
            if replay.count < limit {
                replay.append(element)
            } else {
                replay[replayStart] = element
                replayStart = (replayStart + 1) % limit
            }
        }

        var remembered: [Element] { Array(replay[replayStart...] + replay[..<replayStart]) }
    }

    private let source: Source
    private let bufferLimit: Int
    private let replayLimit: Int
    private var channels: [Key: Channel] = [:]
    private var nextID = 0

    /// - Parameter replayLimit: how many of the latest elements a channel keeps for those who
    ///   join while it runs (``subscribe(_:)``'s `replay`); 0 keeps none.
    package init(bufferLimit: Int = 1024, replayLimit: Int = 0, source: @escaping Source) {
        self.bufferLimit = bufferLimit
        self.replayLimit = replayLimit
        self.source = source
    }

    /// A subscription to `key`'s elements from now on, with the latest ones the channel kept
    /// (up to `replayLimit`, oldest first; none when this subscription starts the channel): the
    /// two meet exactly, nothing lost or doubled between them. Cancel the consuming task, or
    /// call ``unsubscribe(_:id:)``, to leave.
    package func subscribe(_ key: Key) -> (id: Int, events: AsyncStream<Event>, replay: [Element]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let (id, replay) = join(key, .queue(continuation))
        continuation.onTermination = { _ in
            Task { await self.unsubscribe(key, id: id) }
        }
        return (id, stream, replay)
    }

    /// A subscription whose events go to `deliver`, called on this actor in order (so it must
    /// not wait); otherwise as ``subscribe(_:)``. Leave with ``unsubscribe(_:id:)``, or by
    /// returning false.
    package func subscribe(_ key: Key, deliver: @escaping Deliver) -> (id: Int, replay: [Element]) {
        join(key, .deliver(deliver))
    }

    private func join(_ key: Key, _ subscriber: Subscriber) -> (id: Int, replay: [Element]) {
        nextID += 1
        let id = nextID
        channels[key, default: Channel()].subscribers[id] = subscriber
        if channels[key]?.task == nil {
            let source = self.source
            channels[key]?.task = Task {
                var failure: String?
                do {
                    try await source(key) { element in await self.publish(key, element) }
                } catch is CancellationError {
                    return
                } catch {
                    failure = (error as? any PublicError)?.publicMessage ?? "\(error)"
                }
                self.finish(key, failure)
            }
        }
        return (id, channels[key]?.remembered ?? [])
    }

    package func unsubscribe(_ key: Key, id: Int) {
        guard var channel = channels[key], let subscriber = channel.subscribers.removeValue(forKey: id) else { return }
        subscriber.finish()
        if channel.subscribers.isEmpty {
            channel.task?.cancel()
            channels[key] = nil
        } else {
            channels[key] = channel
        }
    }

    /// How many keys have a running source, and subscribers in all (for metrics and tests).
    package var counts: (sources: Int, subscribers: Int) {
        (channels.count, channels.values.reduce(0) { $0 + $1.subscribers.count })
    }

    private func publish(_ key: Key, _ element: Element) {
        channels[key]?.remember(element, limit: replayLimit)
        guard let channel = channels[key] else { return }
        for (id, subscriber) in channel.subscribers where !subscriber.take(.element(element)) {
            channels[key]?.subscribers[id] = nil
        }
        if channels[key]?.subscribers.isEmpty == true {
            channels[key]?.task?.cancel()
            channels[key] = nil
        }
    }

    private func finish(_ key: Key, _ failure: String?) {
        guard let channel = channels.removeValue(forKey: key) else { return }
        for subscriber in channel.subscribers.values {
            _ = subscriber.take(.end(failure))
            subscriber.finish()
        }
    }
}
