import Dispatch
import Glibc
import Synchronization
import WharfWire

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

    package init(
        time: Int, client: String, method: String, path: String, status: Int, bytes: Int, durationMicroseconds: UInt64,
        requestID: String
    ) {
        self.time = time
        self.client = client
        self.method = method
        self.path = path
        self.status = status
        self.bytes = bytes
        self.durationMicroseconds = durationMicroseconds
        self.requestID = requestID
    }

    /// `2026-11-24T15:28:03Z 127.0.0.1 GET /healthz 200 33 0.123ms 1f2e3d4c-00000001`
    package var line: String {
        "\(ISOTime.format(time)) \(client) \(method) \(path) \(status) \(bytes) \(durationMilliseconds)ms \(requestID)"
    }

    /// One JSON object per line, for log collectors (`--log-format json`):
    /// `{"time":"2026-11-24T15:28:03Z","client":"127.0.0.1","method":"GET","path":"/healthz","status":200,"bytes":33,"duration_ms":0.123,"request_id":"1f2e3d4c-00000001"}`
    package var json: String {
        "{\"time\":\"\(ISOTime.format(time))\",\"client\":\(JSONText.quoted(client)),\"method\":\(JSONText.quoted(method)),"
            + "\"path\":\(JSONText.quoted(path)),\"status\":\(status),\"bytes\":\(bytes),\"duration_ms\":\(durationMilliseconds),"
            + "\"request_id\":\(JSONText.quoted(requestID))}"
    }

    private var durationMilliseconds: Double {
        let millis = Double(durationMicroseconds) / 1000
        return (millis * 1000).rounded() / 1000
    }
}

/// Writes access log lines to a file descriptor (stderr by default) through a buffer flushed every
/// 100 ms or at 64 KiB, so logging costs no system call per request.
///
/// `@unchecked Sendable`: the buffer is behind a `Mutex`; the timer is created in `init`, never
/// reassigned, and only cancelled in `deinit`.
package final class AccessLog: @unchecked Sendable {
    /// How lines are written: `text` (the default) or `json` lines.
    package enum Format: String, Sendable {
        case text, json
    }

    private let fd: Int32
    private let format: Format
    private let buffer = Mutex<[UInt8]>([])
    private let timer: any DispatchSourceTimer

    package init(fd: Int32 = STDERR_FILENO, format: Format = .text) {
        self.fd = fd
        self.format = format
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
            bytes.append(contentsOf: (format == .json ? entry.json : entry.line).utf8)
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
