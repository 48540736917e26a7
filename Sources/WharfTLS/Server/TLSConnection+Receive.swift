internal import COpenSSL
import Synchronization
package import WharfIO

extension TLSConnection {
    /// What one read that never waits found (``receive(into:chunk:)``).
    package enum Received: Sendable, Equatable {
        /// Decrypted bytes appended to the buffer; 0 at the end of input (`close_notify`, or the
        /// peer closed the TCP connection).
        case bytes(Int)
        /// No complete record yet: wait until the socket is readable.
        case wantRead
        /// OpenSSL must write before it can read on (a TLS 1.3 KeyUpdate answer into a full
        /// socket): rare, and the reader must not wait on readability for it.
        case wantWrite
    }

    /// One `SSL_read_ex` that never waits, for the HTTP server's connection (which parks when
    /// nothing is there): up to `chunk` decrypted bytes into `buffer`.
    /// - Throws: ``TLSError`` or `SystemError` for a failed connection, `IOError.closed` after ``close()``.
    package func receive(into buffer: ByteBuffer, chunk: Int) throws -> Received {
        buffer.reserveWritable(max(chunk, 1))
        var received = Received.wantRead
        _ = try buffer.writeWithUnsafeBytes { raw in
            received = try receive(into: raw)
            if case .bytes(let count) = received { return count }
            return 0
        }
        return received
    }

    /// ``receive(into:chunk:)`` into `raw` (a request body's chunk, read in place).
    package func receive(into raw: UnsafeMutableRawBufferPointer) throws -> Received {
        var count = 0
        let outcome = try step(.read) { ssl in SSL_read_ex(ssl, raw.baseAddress, raw.count, &count) }
        switch outcome {
        case .success: return .bytes(count)
        case .endOfStream: return .bytes(0)
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        }
    }

    /// Whether OpenSSL holds decrypted bytes not read yet (`SSL_pending`): a reader must take
    /// them before it waits for the socket, whose readiness knows nothing of them.
    package var hasDecryptedInput: Bool {
        session.withLock { s in !s.closed && s.fatal == nil && SSL_pending(s.ssl) > 0 }
    }
}
