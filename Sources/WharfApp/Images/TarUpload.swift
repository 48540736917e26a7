package import WharfDocker
package import WharfHTTP
import WharfWire

/// An uploaded tar archive (a build context, an image to load, a root filesystem to import) on
/// its way to the engine, never collected and never written to disk: chunks are read from the
/// request (its raw body, or a multipart file part) only as fast as the engine takes them, and
/// each is checked by ``TarValidator`` before it is passed on, so the engine never sees a byte
/// past a bad header. ``open(_:declaredLength:)`` reads and checks the first header before any
/// job starts: a body that is not tar at all is refused with 400 and the engine never called.
struct TarUpload: Sendable {
    /// The chunks already read (holding the checked first header).
    let prefix: [[UInt8]]
    /// The rest of the body, read by whoever iterates ``chunks(leading:progress:)``.
    let rest: DockerByteChunks
    /// The checker's state after `prefix`.
    let validator: TarValidator
    /// The body's length when the client said it (`Content-Length`), for progress.
    let declaredLength: Int?

    /// Emit an `upload` event at most this often (bytes).
    static let progressStep: Int64 = 8 * 1024 * 1024

    /// Reads `source` until the first header is checked. - Returns: nil for an empty body (no
    /// file chosen). - Throws: ``TarValidator/Failure`` (400) for a body that is not tar, or what
    /// reading the body throws.
    static func open(_ source: DockerByteChunks, declaredLength: Int? = nil) async throws -> TarUpload? {
        var iterator = source.makeAsyncIterator()
        var prefix: [[UInt8]] = []
        var validator = TarValidator()
        while !validator.checkedFirstHeader {
            guard let chunk = try await iterator.next() else {
                if prefix.isEmpty { return nil }
                try validator.finish()
                break
            }
            if chunk.isEmpty { continue }
            try validator.feed(chunk)
            prefix.append(chunk)
        }
        return TarUpload(prefix: prefix, rest: source, validator: validator, declaredLength: declaredLength)
    }

    /// The archive as the engine receives it: `leading` bytes first (a typed Dockerfile's entry),
    /// then every checked chunk; `progress` hears the bytes passed on now and then and at the end.
    /// - Throws (from the sequence): the checker's failure, or ``UploadCutOff`` when the client's
    ///   body ends or breaks before the archive does.
    func chunks(leading: [UInt8] = [], progress: @escaping @Sendable (Int64) async -> Void) -> DockerByteChunks {
        DockerByteChunks(Checked(upload: self, leading: leading, progress: progress))
    }

    private struct Checked: AsyncSequence, Sendable {
        let upload: TarUpload
        let leading: [UInt8]
        let progress: @Sendable (Int64) async -> Void

        func makeAsyncIterator() -> Iterator {
            Iterator(
                pending: (leading.isEmpty ? [] : [leading]) + upload.prefix, rest: upload.rest.makeAsyncIterator(),
                validator: upload.validator, progress: progress, passed: 0, reported: 0, done: false)
        }

        struct Iterator: AsyncIteratorProtocol {
            var pending: [[UInt8]]
            var rest: DockerByteChunks.Iterator
            var validator: TarValidator
            let progress: @Sendable (Int64) async -> Void
            var passed: Int64
            var reported: Int64
            var done: Bool

            mutating func next() async throws -> [UInt8]? {
                if !pending.isEmpty { return count(pending.removeFirst()) }
                if done { return nil }
                let chunk: [UInt8]?
                do {
                    chunk = try await rest.next()
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    throw UploadCutOff(bytes: passed, reason: error)
                }
                guard let chunk else {
                    do {
                        try validator.finish()
                    } catch .truncated(let offset, _) {
                        throw UploadCutOff(bytes: offset, reason: nil)
                    }
                    done = true
                    await progress(passed)
                    return nil
                }
                try validator.feed(chunk)
                let out = count(chunk)
                if passed - reported >= TarUpload.progressStep {
                    reported = passed
                    await progress(passed)
                }
                return out
            }

            private mutating func count(_ chunk: [UInt8]) -> [UInt8] {
                passed += Int64(chunk.count)
                return chunk
            }
        }
    }

    /// The entry of a typed Dockerfile, to go before an uploaded context (or alone, with the
    /// end-of-archive blocks, when there is none).
    static func dockerfileEntry(_ text: String, name: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        return try TarWriter.header(for: TarEntry(name: name, size: bytes.count, mode: 0o644)) + bytes
            + TarWriter.padding(forContentOf: bytes.count)
    }
}

/// The client's upload ended or broke before the archive did (a closed tab, a lost network, a
/// proxy's limit): the job fails, the engine's request is closed unfinished, so it builds nothing.
struct UploadCutOff: PublicError, CustomStringConvertible {
    let bytes: Int64
    let reason: (any Error)?

    var status: HTTPStatus { .badRequest }
    var code: String { "upload_cut_off" }
    var publicMessage: String {
        "The upload was cut off after \(ByteText.format(bytes)) (\(reason.map { "\($0)" } ?? "the archive ended early")); "
            + "nothing was made from it. Upload the whole file again."
    }
    var description: String { publicMessage }
}

extension TarValidator.Failure: PublicError {
    package var status: HTTPStatus { .badRequest }
    package var code: String { "bad_archive" }
    package var publicMessage: String { description }
}
