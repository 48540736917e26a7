import Synchronization

/// Where a request that feeds a job its upload waits: the job's work opens the gate once the
/// engine has taken the whole upload (its answer began), or the job opens it with its error when
/// it ends first (a bad archive, a cut-off upload, a cancel). The request's body is read by the
/// job, so the request must not answer before the gate opens.
final class UploadGate: Sendable {
    private let state = Mutex<(result: Result<Void, any Error>?, waiters: [CheckedContinuation<Result<Void, any Error>, Never>])>((nil, []))

    /// Opens the gate; only the first call counts.
    func open(_ result: Result<Void, any Error>) {
        let waiters = state.withLock { s -> [CheckedContinuation<Result<Void, any Error>, Never>] in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Waits until the gate opens.
    func wait() async -> Result<Void, any Error> {
        await withCheckedContinuation { continuation in
            let result = state.withLock { s -> Result<Void, any Error>? in
                if let result = s.result { return result }
                s.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(returning: result) }
        }
    }
}
