/// Why bytes received are not acceptable HTTP/1.1, from the shared wire pieces (field lines,
/// chunked bodies). The server answers these with a status (400, or 431 for the limits), the
/// Docker client reports them as a protocol violation by the engine.
package enum WireError: Error, Equatable, CustomStringConvertible {
    /// Syntax RFC 9112 forbids, saying what was wrong ("trailer field without a colon").
    case malformed(String)
    /// A field section (a header block or a trailer section) over its byte limit.
    case fieldsTooLarge
    /// More field lines than allowed.
    case tooManyFields

    package var description: String {
        switch self {
        case .malformed(let reason): reason
        case .fieldsTooLarge: "field section too large"
        case .tooManyFields: "too many field lines"
        }
    }
}
