import Dispatch
import Glibc
import Synchronization

/// One line of the access log.
package struct AccessLogEntry: Sendable {
    package var time: Int  // seconds since the epoch
    package var client: String
    package var method: String
    /// The path without the query string (queries may carry secrets).
    package var path: String
    package var status: Int
    /// Response body bytes sent.
    package var bytes: Int
    package var durationMicroseconds: UInt64
    package var requestID: String

    /// `2026-11-24T15:28:03Z 127.0.0.1 GET /healthz 200 33 0.123ms 1f2e3d4c-00000001`
    package var line: String {
        let millis = Double(durationMicroseconds) / 1000
        let rounded = (millis * 1000).rounded() / 1000
        return "\(ISOTime.format(time)) \(client) \(method) \(path) \(status) \(bytes) \(rounded)ms \(requestID)"
    }
}

/// Writes access log lines to a file descriptor (stderr by default) through a buffer flushed every
/// 100 ms or at 64 KiB, so logging costs no system call per request.
///
/// `@unchecked Sendable`: the buffer is behind a `Mutex`; the timer is created in `init`, never
/// reassigned, and only cancelled in `deinit`.
package final class AccessLog: @unchecked Sendable {
    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let timer: any DispatchSourceTimer

    package init(fd: Int32 = STDERR_FILENO) {
        self.fd = fd
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "wharf.accesslog"))
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    deinit {
        timer.cancel()
        flush()
    }

    package func record(_ entry: AccessLogEntry) {
        let full = buffer.withLock { bytes -> Bool in
            bytes.append(contentsOf: entry.line.utf8)
            bytes.append(0x0A)
            return bytes.count >= 64 * 1024
        }
        if full { flush() }
    }

    /// Writes out whatever is buffered.
    package func flush() {
        let bytes = buffer.withLock { bytes in
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return Glibc.write(fd, rest.baseAddress, rest.count)
            }
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// UTC timestamps in ISO 8601.
package enum ISOTime {
    package static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
