import Synchronization

/// A `Mutex` without a protected value, for classes whose fields it guards.
final class SpinLock: Sendable {
    private let mutex = Mutex(())

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        try mutex.withLock { _ in try body() }
    }
}
