import WharfIO
import WharfWire

/// The HTTP/1.1 exchange: take a connection, write the request (head, then the body chunk by chunk),
/// read the response head. The body is left on the connection for ``ResponseBodyReader``.
extension DockerClient {
    /// A reused connection that failed before any response byte: the request never reached the engine.
    private struct StaleConnection: Error { let underlying: any Error }
    /// An error thrown by the caller's body sequence, passed through unchanged.
    private struct ProducerFailure: Error { let underlying: any Error }

    /// Sends `request` and reads the response head, retrying once on a fresh connection when a
    /// reused one turns out dead before any response byte and the request can be replayed.
    /// - Returns: the head, the connection positioned at the body, and whether it may be reused.
    func exchange(
        _ request: DockerRequest, version: DockerAPIVersion?, extraHeaders: [(String, String)] = []
    ) async throws -> (DockerResponseHead, DockerConnection, Bool) {
        let fields = RequestHeadEncoder.bodyFields(request.body, method: request.method) + extraHeaders
        let head = try RequestHeadEncoder.encode(request, version: version, host: transport.hostHeader, extra: fields)
        var retried = false
        while true {
            let (connection, reused) = try await pool.checkout()
            do {
                let (response, reusable) = try await roundTrip(request, head: head, on: connection, reused: reused)
                return (response, connection, reusable)
            } catch let stale as StaleConnection {
                connection.close()
                if request.isRetryable && !retried {
                    retried = true
                    continue
                }
                throw stale.underlying
            } catch let failure as ProducerFailure {
                connection.close()
                throw failure.underlying
            } catch {
                connection.close()
                throw error
            }
        }
    }

    private func roundTrip(
        _ request: DockerRequest, head: [UInt8], on connection: DockerConnection, reused: Bool
    ) async throws -> (DockerResponseHead, Bool) {
        var writeFailed = false
        do {
            try await writeRequest(request, head: head, on: connection)
        } catch let failure as ProducerFailure {
            throw failure
        } catch let error as DockerError {
            throw error
        } catch {
            let mapped = DockerIOErrors.map(error, address: address, phase: .requestWrite)
            if error is CancellationError { throw error }
            if reused && connection.buffer.isEmpty, case DockerError.connectionLost = mapped {
                throw StaleConnection(underlying: mapped)
            }
            guard case .stream = request.body else { throw mapped }
            // The engine may have answered early (an error) and closed: read that answer if it is there.
            writeFailed = true
            if let early = try? await readHead(request, on: connection, reused: false, limit: 2) { return (early, false) }
            throw mapped
        }
        let response = try await readHead(request, on: connection, reused: reused, limit: nil)
        return (response, !writeFailed)
    }

    private func writeRequest(_ request: DockerRequest, head: [UInt8], on connection: DockerConnection) async throws {
        let stream = connection.stream
        let limit = timeouts.requestWrite
        func deadline() -> Deadline? { limit.map { Deadline.after(seconds: $0) } }
        switch request.body {
        case .empty:
            try await stream.write(head, deadline: deadline())
        case .bytes(let bytes, _):
            try await stream.write(head + bytes, deadline: deadline())
        case .stream(let chunks, _, let length):
            try await stream.write(head, deadline: deadline())
            var sent = 0
            var iterator = chunks.makeAsyncIterator()
            while true {
                let next: [UInt8]?
                do { next = try await iterator.next() } catch { throw ProducerFailure(underlying: error) }
                guard let chunk = next else { break }
                if chunk.isEmpty { continue }
                sent += chunk.count
                if let length {
                    guard sent <= length else {
                        throw ProducerFailure(underlying: DockerError.invalidRequest("the body is longer than its length \(length)"))
                    }
                    try await stream.write(chunk, deadline: deadline())
                } else {
                    try await stream.write(HTTPHeadEncoder.chunkHead(chunk.count), chunk, HTTPHeadEncoder.chunkEnd, deadline: deadline())
                }
            }
            if let length, sent != length {
                throw ProducerFailure(underlying: DockerError.invalidRequest("the body is \(sent) bytes, not \(length)"))
            }
            if length == nil { try await stream.write(HTTPHeadEncoder.lastChunk, deadline: deadline()) }
        }
    }

    /// Reads the response head, skipping interim `1xx` responses other than `101`.
    /// `limit` overrides the response-head limit (seconds).
    private func readHead(
        _ request: DockerRequest, on connection: DockerConnection, reused: Bool, limit: Double?
    ) async throws -> DockerResponseHead {
        let seconds = limit ?? request.responseHeadTimeout.resolve(timeouts.responseHead)
        let deadline = seconds.map { Deadline.after(seconds: $0) }
        let buffer = connection.buffer
        var parser = ResponseHeadParser()
        var receivedAny = !buffer.isEmpty
        while true {
            if !buffer.isEmpty {
                let parsed: (head: DockerResponseHead, consumed: Int)?
                do {
                    parsed = try buffer.withReadableBytes { raw throws(ResponseHeadParser.Failure) in try parser.parse(raw) }
                } catch {
                    throw DockerError.protocolViolation(address: address, reason: error.reason)
                }
                if let (head, consumed) = parsed {
                    buffer.moveReaderIndex(by: consumed)
                    if (100..<200).contains(head.status) && head.status != 101 {
                        parser = ResponseHeadParser()
                        continue
                    }
                    return head
                }
            }
            let count: Int
            do {
                count = try await connection.fill(deadline: deadline)
            } catch {
                let mapped = DockerIOErrors.map(error, address: address, phase: .responseHead)
                if reused && !receivedAny, case DockerError.connectionLost = mapped { throw StaleConnection(underlying: mapped) }
                throw mapped
            }
            if count == 0 {
                let lost = DockerError.connectionLost(
                    address: address, phase: .responseHead, reason: "the engine closed the connection without answering")
                if reused && !receivedAny { throw StaleConnection(underlying: lost) }
                throw lost
            }
            receivedAny = true
        }
    }
}
