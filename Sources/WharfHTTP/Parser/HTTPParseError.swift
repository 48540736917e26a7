import WharfWire

/// Why a request could not be parsed, each with the status it is answered with.
/// Every one of these closes the connection after the answer (RFC 9112 §9.6, §11).
package enum HTTPParseError: Error, Equatable, CustomStringConvertible {
    /// The request line is longer than ``HTTPLimits/maxRequestLineBytes``: 414.
    case requestLineTooLong
    /// The header block is longer than ``HTTPLimits/maxHeaderBytes``: 431.
    case headersTooLarge
    /// More field lines than ``HTTPLimits/maxHeaderCount``: 431.
    case tooManyHeaders
    /// Syntax the RFC forbids (bare LF or CR, control characters, obs-fold, space before a colon…): 400.
    case malformed(String)
    /// The HTTP/2 connection preface on an HTTP/1.1 port: 400.
    case http2Preface
    /// A major version other than 1: 505.
    case unsupportedVersion
    /// A well-formed method the server does not implement: 501.
    case unknownMethod(String)
    /// `Content-Length` together with `Transfer-Encoding` (RFC 9112 §6.3 item 3): 400.
    case conflictingFraming
    /// Two different `Content-Length` values (RFC 9112 §6.3 item 5): 400.
    case conflictingContentLength
    /// A `Content-Length` that is not a decimal number: 400.
    case invalidContentLength
    /// A transfer coding other than a single `chunked`: 400.
    case unsupportedTransferCoding
    /// No `Host` in an HTTP/1.1 request, or more than one (RFC 9112 §3.2): 400.
    case invalidHost
    /// An `Expect` value other than `100-continue`: 417.
    case unsupportedExpectation
    /// A bad chunk size, extension or framing in a chunked body: 400.
    case badChunk(String)
    /// The body is larger than the route allows: 413.
    case bodyTooLarge(limit: Int)
    /// The header block did not complete in time: 408.
    case headerTimeout
    /// The body stalled longer than the body read timeout: 408.
    case bodyTimeout
    /// The body arrived slower than ``HTTPLimits/minBodyBytesPerSecond`` (averaged over
    /// ``HTTPLimits/bodyRateWindow``): 408.
    case bodyTooSlow(minimumRate: Int)
    /// The connection ended in the middle of a body: no answer is possible.
    case truncatedBody

    package var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .headerFieldsTooLarge
        case .malformed, .http2Preface, .conflictingFraming, .conflictingContentLength, .invalidContentLength,
             .unsupportedTransferCoding, .invalidHost, .badChunk, .truncatedBody:
            .badRequest
        case .unsupportedVersion: .httpVersionNotSupported
        case .unknownMethod: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        case .bodyTooLarge: .contentTooLarge
        case .headerTimeout, .bodyTimeout, .bodyTooSlow: .requestTimeout
        }
    }

    /// A message for the client saying what was wrong.
    package var description: String {
        switch self {
        case .requestLineTooLong: "The request line is too long."
        case .headersTooLarge: "The request header block is too large."
        case .tooManyHeaders: "The request has too many header fields."
        case .malformed(let reason): "Malformed request: \(reason)."
        case .http2Preface: "This server speaks HTTP/1.1 only."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .unknownMethod(let method): "Method \(method) is not implemented."
        case .conflictingFraming: "Content-Length and Transfer-Encoding must not both be sent."
        case .conflictingContentLength: "Conflicting Content-Length values."
        case .invalidContentLength: "Content-Length must be a decimal number."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .invalidHost: "An HTTP/1.1 request needs exactly one Host header."
        case .unsupportedExpectation: "Only Expect: 100-continue is supported."
        case .badChunk(let reason): "Malformed chunked body: \(reason)."
        case .bodyTooLarge(let limit): "The request body is larger than this endpoint accepts (\(limit) bytes)."
        case .headerTimeout: "The request headers took too long to arrive."
        case .bodyTimeout: "The request body stalled."
        case .bodyTooSlow(let rate): "The request body arrived slower than \(rate) bytes per second."
        case .truncatedBody: "The connection closed before the request body was complete."
        }
    }
}

extension HTTPParseError {
    /// A header-block error from the shared field-line parser.
    init(_ error: WireError) {
        switch error {
        case .malformed(let reason): self = .malformed(reason)
        case .fieldsTooLarge: self = .headersTooLarge
        case .tooManyFields: self = .tooManyHeaders
        }
    }

    /// A chunked-body error from the shared decoder: bad framing is 400, a trailer section over
    /// the header limits 431, as the same excess in a header block would be.
    static func chunked(_ error: WireError) -> HTTPParseError {
        switch error {
        case .malformed(let reason): .badChunk(reason)
        case .fieldsTooLarge: .headersTooLarge
        case .tooManyFields: .tooManyHeaders
        }
    }
}
