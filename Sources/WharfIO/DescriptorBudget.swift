import Glibc

/// How the process's open-file limit is shared, so that sockets never take the last descriptors.
///
/// A process that runs out of descriptors does not merely fail the call that asked for one: on
/// Linux, libdispatch (under Swift concurrency) reads `/proc/<tid>/stat` once a second while work
/// is queued and aborts the whole process when that `open` fails. SQLite, inotify and log files
/// fail too. So descriptors are handed out in three bands, by descriptor number (the kernel gives
/// the lowest free number, so a number at or past a ceiling means at least that many are open):
///
/// - accepted client connections get numbers below ``acceptCeiling``; past it the server answers
///   503 and closes (``limit`` minus the whole ``reserve``);
/// - outgoing connections (Docker engines) get numbers below ``connectCeiling`` (half the reserve
///   further), so a server full of clients can still reach its engines to answer them;
/// - the last half of the reserve is left for the process's own files and the runtime.
package enum DescriptorBudget {
    /// The soft open-file limit, raised to the hard one at first use when it can be.
    package static let limit: Int = {
        var current = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &current) == 0 else { return 1024 }
        if current.rlim_cur < current.rlim_max {
            var raised = current
            raised.rlim_cur = current.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { current = raised }
        }
        return Int(clamping: current.rlim_cur)
    }()

    /// Descriptors sockets leave alone: an eighth of the limit, from 4 to 256.
    package static var reserve: Int { reserve(limit: limit) }
    /// Accepted connections must have a number below this.
    package static var acceptCeiling: Int { limit - reserve }
    /// Outgoing connections must have a number below this.
    package static var connectCeiling: Int { limit - reserve / 2 }

    package static func reserve(limit: Int) -> Int { min(256, max(4, limit / 8)) }
}
