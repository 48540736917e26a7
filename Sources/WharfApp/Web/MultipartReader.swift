import Synchronization
import WharfHTTP
import WharfWire

/// Reads a `multipart/form-data` request body part by part, as it arrives (``MultipartParser``):
/// small fields are read as text with a limit, and a file part is handed on as a stream of chunks
/// (``chunks``), so an upload of any size is forwarded without being collected.
///
/// ```swift
/// let reader = try MultipartReader(request)
/// while let part = try await reader.nextPart() {
///     if part.filename != nil { forward(reader.chunks); break }
///     fields[part.name] = try await reader.text(limit: 64 * 1024)
/// }
/// ```
///
/// One task reads at a time: the handler reads the fields, then may hand the reader to the task
/// that forwards the file (a second concurrent read is a programming error, refused by a check).
final class MultipartReader: @unchecked Sendable {
    // The fields below are touched only by the one reader holding `busy` (checked at each call),
    // which is why the class may be @unchecked Sendable.
    private var parser: MultipartParser
    private var body: RequestBody.AsyncIterator
    private var pending: [MultipartParser.Event] = []
    private var pendingIndex = 0
    private var inPart = false
    private var finished = false
    private let busy = Atomic<Bool>(false)

    init(body: RequestBody, boundary: String) {
        parser = MultipartParser(boundary: boundary)
        self.body = body.makeAsyncIterator()
    }

    /// A reader for `request`, whose content type must be `multipart/form-data` with a boundary.
    /// - Throws: 400 without a boundary.
    convenience init(_ request: HTTPRequest) throws {
        guard let boundary = MultipartForm.boundary(request.headers["Content-Type"] ?? "") else {
            throw HTTPError(.badRequest, "The form upload has no boundary; send it from its page.")
        }
        self.init(body: request.body, boundary: boundary)
    }

    /// The next part's head, skipping what is left of the current part; nil after the last part.
    func nextPart() async throws -> MultipartParser.PartHead? {
        try await exclusive {
            while let event = try await nextEvent() {
                if case .part(let head) = event {
                    inPart = true
                    return head
                }
            }
            return nil
        }
    }

    /// The next piece of the current part's content; nil at its end.
    func nextChunk() async throws -> [UInt8]? {
        try await exclusive { try await nextContent() }
    }

    /// The current part's content as text. - Throws: 413 over `limit` bytes.
    func text(limit: Int) async throws -> String {
        try await exclusive {
            var bytes: [UInt8] = []
            while let chunk = try await nextContent() {
                guard bytes.count + chunk.count <= limit else {
                    throw HTTPError(.contentTooLarge, "A form field is larger than \(limit) bytes.")
                }
                bytes += chunk
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Reads to the end of the body, so the request is complete; parts after the current one are
    /// skipped, up to `limit` bytes of them. - Throws: 413 past the limit, 400 for a cut-off body.
    func finish(limit: Int = 64 * 1024) async throws {
        try await exclusive {
            var skipped = 0
            while let event = try await nextEvent() {
                if case .data(let bytes) = event {
                    skipped += bytes.count
                    guard skipped <= limit else {
                        throw HTTPError(.contentTooLarge, "The form carries more after its file than it should; put the file last.")
                    }
                }
            }
        }
    }

    /// The current part's content as a sendable sequence of chunks, for a streamed request body.
    var chunks: PartChunks { PartChunks(reader: self) }

    struct PartChunks: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let reader: MultipartReader
        func makeAsyncIterator() -> Iterator { Iterator(reader: reader) }
        struct Iterator: AsyncIteratorProtocol {
            let reader: MultipartReader
            mutating func next() async throws -> [UInt8]? { try await reader.nextChunk() }
        }
    }

    private func nextContent() async throws -> [UInt8]? {
        guard inPart else { return nil }
        while let event = try await nextEvent() {
            switch event {
            case .data(let bytes): return bytes
            case .partEnd, .end:
                inPart = false
                return nil
            case .part:
                // The parser ends a part before the next begins; should one start anyway, leave
                // it for nextPart.
                pendingIndex -= 1
                inPart = false
                return nil
            }
        }
        return nil
    }

    private func nextEvent() async throws -> MultipartParser.Event? {
        while true {
            if pendingIndex < pending.count {
                let event = pending[pendingIndex]
                pendingIndex += 1
                if case .end = event { finished = true }
                return event
            }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if finished { return nil }
            guard let chunk = try await body.next() else {
                do {
                    try parser.finish()
                } catch {
                    throw HTTPError(.badRequest, error.description)
                }
                finished = true
                return nil
            }
            do {
                pending = try parser.feed(chunk)
            } catch {
                throw HTTPError(.badRequest, error.description)
            }
        }
    }

    private func exclusive<T>(_ body: () async throws -> T) async throws -> T {
        let (exchanged, _) = busy.compareExchange(expected: false, desired: true, ordering: .acquiring)
        precondition(exchanged, "a multipart body is read by two tasks at once")
        defer { busy.store(false, ordering: .releasing) }
        return try await body()
    }
}
