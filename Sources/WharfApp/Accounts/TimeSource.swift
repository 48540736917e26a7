import Synchronization
import WharfTLS

/// Where account code reads the time, in milliseconds since the Unix epoch (UTC). Production uses
/// the system clock; tests pass a ``ManualTime`` to move through idle timeouts and TOTP steps.
package struct TimeSource: Sendable {
    private let read: @Sendable () -> Int64

    package init(_ read: @escaping @Sendable () -> Int64) { self.read = read }

    /// Milliseconds since the epoch.
    package func now() -> Int64 { read() }

    /// The system's real-time clock.
    package static let system = TimeSource { AuditEntry.now() }
}

/// A clock that moves only when told to, for tests.
package final class ManualTime: Sendable {
    private let current: Mutex<Int64>

    package init(_ start: Int64 = 1_700_000_000_000) { current = Mutex(start) }

    package var source: TimeSource { TimeSource { self.current.withLock { $0 } } }

    package func advance(milliseconds: Int64) { current.withLock { $0 += milliseconds } }
    package func advance(seconds: Int64) { advance(milliseconds: seconds * 1000) }
    package func set(_ milliseconds: Int64) { current.withLock { $0 = milliseconds } }
}
