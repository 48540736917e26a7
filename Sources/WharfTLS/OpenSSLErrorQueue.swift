internal import COpenSSL

/// The OpenSSL error queue (`ERR_get_error`), drained into readable strings.
///
/// OpenSSL records failures per thread; a call's errors must be read on the thread that made it,
/// right after it failed, and cleared before the next call so stale entries never blame it.
enum OpenSSLErrorQueue {
    /// Removes every queued error and returns them, oldest first, as `error:…:reason` strings.
    static func drain() -> [String] { entries().map(\.text) }

    /// Forgets errors left by earlier calls.
    static func clear() { ERR_clear_error() }

    /// One queued error with its packed code, for matching library and reason.
    struct Entry: Equatable {
        let code: UInt
        /// The `error:…:reason` string.
        let text: String

        /// `ERR_GET_LIB`: which part of OpenSSL raised it (`ERR_LIB_SSL`, `ERR_LIB_PEM`…).
        var library: Int32 { ERR_GET_LIB(code) }
        /// `ERR_GET_REASON`: the library's reason code (`SSL_R_WRONG_VERSION_NUMBER`…).
        var reason: Int32 { ERR_GET_REASON(code) }
        /// The reason alone ("wrong version number"), or the whole text when OpenSSL has no string for it.
        var reasonText: String {
            guard let text = ERR_reason_error_string(code) else { return self.text }
            return String(cString: text)
        }
        /// "no start line": PEM input is used up (or never started).
        var isPEMNoStartLine: Bool { library == ERR_LIB_PEM && reason == PEM_R_NO_START_LINE }
    }

    /// Removes every queued error and returns them with their codes, oldest first.
    static func entries() -> [Entry] {
        var entries: [Entry] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            entries.append(Entry(code: code, text: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        return entries
    }
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
