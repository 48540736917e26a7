import Glibc

/// A point in time on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds.
///
/// Deadlines are absolute so that a sequence of waits ("headers within 10 s of the first byte")
/// shares one budget instead of restarting it at every wait.
package struct Deadline: Comparable, Sendable, Hashable {
    package var nanoseconds: UInt64

    package init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current monotonic time.
    package static var now: Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    /// A deadline `seconds` from now.
    package static func after(seconds: Double) -> Deadline {
        after(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }

    package static func after(milliseconds: Int) -> Deadline {
        after(nanoseconds: UInt64(max(0, milliseconds)) &* 1_000_000)
    }

    package static func after(nanoseconds: UInt64) -> Deadline {
        Deadline(nanoseconds: now.nanoseconds &+ nanoseconds)
    }

    /// Nanoseconds from now until the deadline, zero when it has passed.
    package var remaining: UInt64 {
        let current = Deadline.now.nanoseconds
        return nanoseconds > current ? nanoseconds - current : 0
    }

    package var hasPassed: Bool { Deadline.now >= self }

    package static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
