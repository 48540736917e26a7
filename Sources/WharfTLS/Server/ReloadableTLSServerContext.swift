import Synchronization

/// The server context currently in use, built from certificate and key files and rebuilt from
/// them on ``reload()`` (SIGHUP) without touching established connections.
///
/// Each accepted connection takes ``current`` once, and its `SSL` keeps that context alive for the
/// connection's lifetime; a reload swaps the reference atomically for connections accepted
/// afterwards. A reload that fails (a half-written file, a key that does not match) keeps the
/// previous context and throws, so a mistake while renewing never takes the server down.
package final class ReloadableTLSServerContext: Sendable {
    package let certificateFile: String
    package let keyFile: String
    private let context: Mutex<TLSServerContext>

    /// Loads the files once. - Throws: ``TLSError`` as ``TLSServerContext/init(certificateFile:keyFile:)``.
    package init(certificateFile: String, keyFile: String) throws(TLSError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        context = Mutex(try TLSServerContext(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context new connections are accepted with.
    package var current: TLSServerContext { context.withLock { $0 } }

    /// Reads the files again and, if they make a valid context, uses it for new connections.
    /// - Returns: the new certificate, for the log line.
    /// - Throws: ``TLSError``; the previous context stays in use.
    @discardableResult
    package func reload() throws(TLSError) -> CertificateInfo {
        let fresh = try TLSServerContext(certificateFile: certificateFile, keyFile: keyFile)
        context.withLock { $0 = fresh }
        return fresh.certificate
    }
}
