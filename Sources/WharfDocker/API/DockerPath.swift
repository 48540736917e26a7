/// A request path built from segments, each percent-encoded: `DockerPath("containers", id, "json")`
/// gives `/containers/<encoded id>/json`. Values never reach the path unencoded, so an id such as
/// `../images` or `a?b` stays one segment.
package struct DockerPath: Sendable, Equatable, CustomStringConvertible {
    /// The encoded path, starting with `/`.
    package let encoded: String

    package init(_ segments: String...) {
        self.init(segments: segments)
    }

    package init(segments: [String]) {
        encoded = segments.isEmpty ? "/" : segments.map { "/" + PercentEncoding.encode($0) }.joined()
    }

    /// This path with `segment` appended.
    package func appending(_ segment: String) -> DockerPath {
        DockerPath(encoded: encoded == "/" ? "/" + PercentEncoding.encode(segment) : encoded + "/" + PercentEncoding.encode(segment))
    }

    private init(encoded: String) { self.encoded = encoded }

    package var description: String { encoded }
}
