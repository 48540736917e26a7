internal import COpenSSL

/// The OpenSSL error queue (`ERR_get_error`), drained into readable strings.
///
/// OpenSSL records failures per thread; a call's errors must be read on the thread that made it,
/// right after it failed, and cleared before the next call so stale entries never blame it.
enum OpenSSLErrorQueue {
    /// Removes every queued error and returns them, oldest first, as `error:…:reason` strings.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages
    }

    /// Forgets errors left by earlier calls.
    static func clear() { ERR_clear_error() }
}

/// A failed cryptographic operation, with what OpenSSL said about it.
package struct CryptoError: Error, Equatable, CustomStringConvertible {
    /// What was being done ("RAND_bytes", "AES-256-GCM open"…).
    package let operation: String
    /// OpenSSL's error queue at the time, oldest first (may be empty).
    package let queue: [String]

    init(_ operation: String, queue: [String] = OpenSSLErrorQueue.drain()) {
        self.operation = operation
        self.queue = queue
    }

    package var description: String {
        queue.isEmpty ? "\(operation) failed" : "\(operation) failed: \(queue.joined(separator: "; "))"
    }
}
