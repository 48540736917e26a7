/// A gate a test opens to let a handler finish.
final class AsyncGate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.finish() }
    func wait() async { for await _ in stream {} }
}

/// Polls `condition` for up to five seconds.
func eventuallyTrue(_ condition: () -> Bool) async -> Bool {
    let deadline = TestTime.now + 5
    while TestTime.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
