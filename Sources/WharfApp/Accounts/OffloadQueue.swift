import Dispatch

/// Runs CPU-heavy work (scrypt: ~0.4 s and 128 MiB each) on its own dispatch queue, so a sign-in
/// never holds an event-loop thread or a cooperative-pool thread while it hashes. Callers `await`.
///
/// The queue is serial on purpose: hashes are done one at a time, which bounds memory under a
/// burst of sign-in attempts (the throttle bounds the burst itself).
package struct OffloadQueue: Sendable {
    private let queue: DispatchQueue

    package init(label: String) { queue = DispatchQueue(label: label, qos: .userInitiated) }

    /// Runs `work` on the queue and returns its result.
    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// The queue password hashing uses.
    package static let kdf = OffloadQueue(label: "wharf.kdf")
}
