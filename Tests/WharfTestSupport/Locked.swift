import Synchronization

/// A value behind a `Mutex`, shareable between a test and the handlers it installs.
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) { mutex = Mutex(value) }

    package func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R {
        mutex.withLock { value in body(&value) }
    }

    package var value: Value { withLock { $0 } }
}
