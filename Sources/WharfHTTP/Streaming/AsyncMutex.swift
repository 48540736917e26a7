import Synchronization

/// A mutual-exclusion lock for async code: waiting suspends the task instead of a thread.
/// Used to serialize writes to one response body from two tasks (SSE events and heartbeats).
final class AsyncMutex: Sendable {
    private let state = Mutex<(locked: Bool, waiters: [UnsafeContinuation<Void, Never>])>((false, []))

    func withLock<R: Sendable>(_ body: @Sendable () async throws -> R) async rethrows -> R {
        await lock()
        defer { unlock() }
        return try await body()
    }

    private func lock() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func unlock() {
        let next = state.withLock { s -> UnsafeContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
