/// A raw two-way byte stream whose directions end separately: a connection after an HTTP upgrade,
/// on the server's side (WharfHTTP's `UpgradedConnection`) and the Docker client's
/// (`DockerUpgradedStream`, attach and exec). One reader and one writer at a time.
package protocol DuplexStream: Sendable {
    /// The next bytes from the peer; nil once it has finished sending (a FIN, or a TLS
    /// `close_notify`). Only the peer's direction has ended: writing may go on.
    func read(deadline: Deadline?) async throws -> [UInt8]?
    /// Writes all of `bytes`, waiting for room until `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline?) async throws
    /// Ends this side's sending (a FIN, or `close_notify` over TLS): the peer reads end of stream
    /// and may still send. Writing afterwards fails.
    func shutdownWrite() async throws
}

extension DuplexStream {
    /// Copies what this stream reads to `destination` until this stream's peer finishes sending,
    /// then ends `destination`'s sending side: one direction of a proxy, with a half-close passed
    /// on (a client's end of stdin reaches the process as end of file, and its output still flows
    /// the other way). Each chunk is written before the next is read, so the slower side sets the
    /// pace.
    /// - Parameter idleTimeout: seconds a read may wait for bytes; nil waits as long as it takes
    ///   (an interactive session may be quiet for hours).
    /// - Returns: the bytes copied.
    @discardableResult
    package func relay(to destination: some DuplexStream, idleTimeout: Double? = nil) async throws -> Int {
        var copied = 0
        while let bytes = try await read(deadline: idleTimeout.map { Deadline.after(seconds: $0) }) {
            try await destination.write(bytes, deadline: nil)
            copied += bytes.count
        }
        try await destination.shutdownWrite()
        return copied
    }
}
